"""A postings format numpy can read in bulk, and a writer that takes whole posting lists.

Whoosh's own block format pickles a tuple of (delta-coded ids, weights, values) and
zlib-compresses it: every block costs an unpickle and a decompress to read and a pickle
and a compress to write, and every value is a separate Python object. At a common
word's 60,000 postings that is most of a query's time. Here a block is typed arrays:

    header  <iIIIfBBBB  signed length of the rest (negative on the last block), count,
                        first id, last id, max weight, id-gap/count/position widths
                        (1, 2 or 4 bytes), flags (bit 0: one weight for the block)
    ids     count - 1 gaps after the first id
    weights one float32, or count float32
    values  positional fields: counts, then every position;
            other variable-size values: byte lengths, then the bytes;
            fixed-size values: the bytes

so a whole term is read with ``np.frombuffer`` (``read_term``), and Whoosh's own
matchers (``FastLeafMatcher``) still work on it for everything else. Segments written
by ``FastCodec`` say so in the index's table of contents; older segments keep their
codec and are read the slow way.
"""
from __future__ import annotations

import struct
from array import array
from dataclasses import dataclass

import numpy as np

from .caches import SegmentCache, freeze_arrays, segment_token
from whoosh.codec.whoosh3 import (WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter, W3LeafMatcher, W3PostingsWriter,
                                  W3TermInfo)
from whoosh.matching import ListMatcher
from whoosh.reading import TermNotFound
from whoosh.system import _INT_SIZE, pack_uint, pack_ushort

from .fields import CompactPositions

BLOCK_POSTINGS = 4096
_HEADER = struct.Struct("<iIIIfBBBB")
_SINGLE_WEIGHT = 1
_WIDTH_DTYPES = {1: np.dtype("<u1"), 2: np.dtype("<u2"), 4: np.dtype("<u4")}
_F32 = np.dtype("<f4")
_EMPTY_IDS = np.empty(0, dtype=np.int64)


def _width(values: np.ndarray) -> int:
    """Bytes per element needed for non-negative integers."""
    top = int(values.max()) if len(values) else 0
    return 1 if top < 1 << 8 else 2 if top < 1 << 16 else 4


def is_positional(format_) -> bool:
    """Whether a field's values are CompactPositions (count, then uint32 positions)."""
    return isinstance(format_, CompactPositions)


@dataclass(frozen=True)
class TermPostings:
    """A term's postings in one segment: ids ascending; ``counts``/``positions`` only for
    positional fields when asked for (positions of posting i are
    ``positions[starts[i]:starts[i] + counts[i]]``)."""

    ids: np.ndarray
    weights: np.ndarray
    counts: np.ndarray | None = None
    positions: np.ndarray | None = None

    @property
    def starts(self) -> np.ndarray:
        return np.concatenate(([0], np.cumsum(self.counts[:-1]))) if len(self.counts) else self.counts


EMPTY = TermPostings(_EMPTY_IDS, np.empty(0, dtype=np.float64), np.empty(0, dtype=np.int64),
                     np.empty(0, dtype=np.int64))


def encode_block(ids: np.ndarray, weights: np.ndarray, positional: bool, fixedsize,
                 counts: np.ndarray | None = None, positions: np.ndarray | None = None,
                 values: list[bytes] | None = None, last: bool = False) -> bytes:
    """One block's bytes (header included) from arrays of at most BLOCK_POSTINGS postings."""
    count = len(ids)
    gaps = np.diff(ids)
    id_width = _width(gaps)
    parts = [gaps.astype(_WIDTH_DTYPES[id_width]).tobytes()]
    flags = 0
    weights = weights.astype(_F32)
    if count and (weights == weights[0]).all():
        flags |= _SINGLE_WEIGHT
        parts.append(weights[:1].tobytes())
    else:
        parts.append(weights.tobytes())
    count_width = position_width = 0
    if positional:
        count_width, position_width = _width(counts), _width(positions)
        parts.append(counts.astype(_WIDTH_DTYPES[count_width]).tobytes())
        parts.append(positions.astype(_WIDTH_DTYPES[position_width]).tobytes())
    elif fixedsize is None or fixedsize < 0:
        lengths = np.fromiter((len(v) for v in values), dtype=np.int64, count=count)
        count_width = _width(lengths)
        parts.append(lengths.astype(_WIDTH_DTYPES[count_width]).tobytes())
        parts.append(b"".join(values))
    elif fixedsize:
        parts.append(b"".join(values))
    body = b"".join(parts)
    size = _HEADER.size - 4 + len(body)
    header = _HEADER.pack(-size if last else size, count, int(ids[0]), int(ids[-1]), float(weights.max()),
                          id_width, count_width, position_width, flags)
    return header + body


@dataclass
class _Block:
    count: int
    ids: np.ndarray
    weights: np.ndarray
    counts: np.ndarray | None
    positions: np.ndarray | None
    lengths: np.ndarray | None
    raw_values: bytes


def decode_block(data: bytes | memoryview, start: int, positional: bool, fixedsize, want_values: bool = True):
    """(block, offset of the next block, last?) for the block at ``start``."""
    size, count, first, _, _, id_width, count_width, position_width, flags = _HEADER.unpack_from(data, start)
    last = size < 0
    end = start + 4 + abs(size)
    at = start + _HEADER.size
    ids = np.empty(count, dtype=np.int64)
    ids[0] = first
    if count > 1:
        gaps = np.frombuffer(data, _WIDTH_DTYPES[id_width], count - 1, at)
        np.cumsum(gaps, out=ids[1:])
        ids[1:] += first
    at += (count - 1) * id_width
    if flags & _SINGLE_WEIGHT:
        weights = np.full(count, np.frombuffer(data, _F32, 1, at)[0], dtype=np.float64)
        at += 4
    else:
        weights = np.frombuffer(data, _F32, count, at).astype(np.float64)
        at += 4 * count
    counts = positions = lengths = None
    raw = b""
    if want_values:
        if positional:
            counts = np.frombuffer(data, _WIDTH_DTYPES[count_width], count, at).astype(np.int64)
            at += count * count_width
            total = int(counts.sum())
            positions = np.frombuffer(data, _WIDTH_DTYPES[position_width], total, at).astype(np.int64)
        elif fixedsize is None or fixedsize < 0:
            lengths = np.frombuffer(data, _WIDTH_DTYPES[count_width], count, at).astype(np.int64)
            at += count * count_width
            raw = bytes(data[at:end])
        elif fixedsize:
            raw = bytes(data[at:end])
    return _Block(count, ids, weights, counts, positions, lengths, raw), end, last


class FastPostingsWriter(W3PostingsWriter):
    """Writes whole posting lists (``write_term``); the per-posting API Whoosh uses when
    merging segments buffers a term and writes it the same way."""

    def __init__(self, postfile, positional: bool, fixedsize):
        super().__init__(postfile, BLOCK_POSTINGS, compression=0, inlinelimit=0)
        self._positional = positional
        self._fixedsize = fixedsize

    def write_term(self, ids: np.ndarray, weights: np.ndarray, counts: np.ndarray | None = None,
                   positions: np.ndarray | None = None, values: list[bytes] | None = None) -> W3TermInfo:
        """Append a term's postings; returns its term info (statistics and extent)."""
        postfile = self._postfile
        start = postfile.tell()
        postfile.write(WHOOSH3_HEADER_MAGIC)
        n = len(ids)
        position_starts = None
        if self._positional:
            position_starts = np.concatenate(([0], np.cumsum(counts)))
        for low in range(0, n, BLOCK_POSTINGS):
            high = min(n, low + BLOCK_POSTINGS)
            block_counts = block_positions = block_values = None
            if self._positional:
                block_counts = counts[low:high]
                block_positions = positions[position_starts[low]:position_starts[high]]
            elif values is not None:
                block_values = values[low:high]
            postfile.write(encode_block(ids[low:high], weights[low:high], self._positional, self._fixedsize,
                                        block_counts, block_positions, block_values, last=high == n))
        info = W3TermInfo()
        weights32 = weights.astype(_F32)
        info._weight = float(weights32.sum())
        info._df = n
        info._minlength = None
        info._maxlength = 0
        info._maxweight = float(weights32.max()) if n else 0.0
        info._minid = int(ids[0]) if n else None
        info._maxid = int(ids[-1]) if n else None
        info.set_extent(start, postfile.tell() - start)
        return info

    # Whoosh's per-posting API (used when segments are merged): buffer, then write_term.
    def start_postings(self, format_, terminfo):
        self._format = format_
        self._terminfo = terminfo
        self._buffer = ([], [], [])

    def add_posting(self, id_, weight, vbytes, length=None):
        ids, weights, values = self._buffer
        ids.append(id_)
        weights.append(weight)
        values.append(vbytes)

    def finish_postings(self):
        ids, weights, values = self._buffer
        id_array = np.asarray(ids, dtype=np.int64)
        weight_array = np.asarray(weights, dtype=np.float64)
        if self._positional:
            counts, positions = split_positions(values)
            info = self.write_term(id_array, weight_array, counts, positions)
        else:
            info = self.write_term(id_array, weight_array, values=values)
        self._terminfo = None
        return info

    def written(self):
        return True


def split_positions(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """CompactPositions values → (counts, flat positions)."""
    counts = np.fromiter((len(v) // 4 - 1 for v in values), dtype=np.int64, count=len(values))
    flat = array("I")
    for value in values:
        flat.frombytes(value[_INT_SIZE:])
    return counts, np.frombuffer(flat, dtype=np.uint32).astype(np.int64) if len(flat) else np.empty(0, np.int64)


def join_positions(counts: np.ndarray, positions: np.ndarray) -> tuple[bytes, ...]:
    """(counts, flat positions) → CompactPositions values, for Whoosh's matchers."""
    out = []
    at = 0
    flat = positions.astype(np.uint32)
    for count in counts.tolist():
        out.append(pack_uint(count) + flat[at:at + count].tobytes())
        at += count
    return tuple(out)


def _values_of(block: _Block, positional: bool, fixedsize) -> tuple:
    if positional:
        return join_positions(block.counts, block.positions)
    if fixedsize is None or fixedsize < 0:
        ends = np.cumsum(block.lengths).tolist()
        starts = [0] + ends[:-1]
        return tuple(block.raw_values[a:b] for a, b in zip(starts, ends))
    if fixedsize == 0:
        return (None,) * block.count
    raw = block.raw_values
    return tuple(raw[i:i + fixedsize] for i in range(0, len(raw), fixedsize))


class FastLeafMatcher(W3LeafMatcher):
    """Whoosh's matcher interface over FastCodec blocks."""

    def __init__(self, postfile, startoffset, length, format_, term=None, scorer=None):
        self._positional = is_positional(format_)
        super().__init__(postfile, startoffset, length, format_, term=term, scorer=scorer)

    def _goto(self, position):
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        raw = self._postfile.get(position, _HEADER.size)
        size, count, _, maxid, maxweight, *_ = _HEADER.unpack(raw)
        self._lastblock = size < 0
        self._blockstart = position
        self._nextoffset = position + 4 + abs(size)
        self._blocklength = count
        self._maxid = maxid
        self._maxweight = maxweight
        self._compression = 0
        self._minlength = 0
        self._maxlength = 0

    def _read_data(self):
        data = self._postfile.get(self._blockstart, self._nextoffset - self._blockstart)
        self._data, _, _ = decode_block(data, 0, self._positional, self._fixedsize)

    def _read_ids(self):
        if self._data is None:
            self._read_data()
        self._ids = self._data.ids.tolist()

    def _read_weights(self):
        if self._data is None:
            self._read_data()
        self._weights = self._data.weights.tolist()

    def _read_values(self):
        if self._data is None:
            self._read_data()
        self._values = _values_of(self._data, self._positional, self._fixedsize)


class FastCodec(W3Codec):
    """Whoosh's current codec with FastCodec posting blocks and no per-block length
    statistics (they only serve Whoosh's block-quality pruning; ranking here scores
    every match with numpy)."""

    length_stats = False

    def __init__(self):
        super().__init__(blocklimit=BLOCK_POSTINGS, compression=0, inlinelimit=0)

    def field_writer(self, storage, segment):
        return FastFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False, format_=None):
        return FastPostingsWriter(dbfile, is_positional(format_), format_.fixed_value_size() if format_ else None)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():  # never written by this codec; kept for completeness
            ids, weights, values = terminfo.inlined_postings()
            return ListMatcher(ids, weights, values, format_, scorer=scorer, term=term, terminfo=terminfo)
        offset, length = terminfo.extent()
        return FastLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


class FastFieldWriter(W3FieldWriter):
    """A field writer whose postings writer knows the field's value layout, with
    ``write_term`` for whole posting lists."""

    def start_field(self, fieldname, fieldobj):
        super().start_field(fieldname, fieldobj)
        self._postwriter = self._codec.postings_writer(self._postfile, format_=fieldobj.format)

    def write_term(self, btext: bytes, **arrays) -> None:
        self._btext = btext
        info = self._postwriter.write_term(**arrays)
        self._tindex.add(pack_ushort(self._fieldid) + btext, info.to_bytes())


def segment_is_fast(reader) -> bool:
    """Whether a segment reader's postings are in this module's format."""
    return isinstance(getattr(reader, "_codec", None), FastCodec)


def read_term(reader, fieldname: str, btext: bytes, positions: bool = False) -> TermPostings | None:
    """A term's postings in one FastCodec segment (deleted documents included), read in
    one file access; EMPTY when the term is absent, None when the segment is in another
    format."""
    if not segment_is_fast(reader):
        return None
    terms = reader._terms
    try:
        info = terms.term_info(fieldname, btext)
    except TermNotFound:
        return EMPTY
    return _read_extent(terms, info, reader.schema[fieldname].format, positions)


def field_terms(reader, fieldname: str, ids: bool = True):
    """(term bytes, ids) of every term of a field in one FastCodec segment, in term
    order, deleted documents included (ids None unless asked for); None when the segment
    is in another format. One pass over the term table, no lookup per term."""
    if not segment_is_fast(reader):
        return None
    terms = reader._terms
    if fieldname not in terms._fieldmap:
        return iter(())
    format_ = reader.schema[fieldname].format

    def walk():
        for (name, btext), info in terms.items_from(fieldname, b""):
            if name != fieldname:
                break
            yield btext, _read_extent(terms, info, format_).ids if ids else None
    return walk()


def _read_extent(terms, info, format_, positions: bool = False) -> TermPostings:
    offset, length = info.extent()
    if isinstance(length, tuple):  # W3TermInfo.from_bytes leaves it as unpack's tuple
        length = length[0]
    return decode_term(terms._postfile.get(offset, length), format_, positions)


def decode_term(data: bytes, format_, positions: bool = False) -> TermPostings:
    """A term's postings from its bytes in the postings file (blocks after the magic)."""
    positional = is_positional(format_)
    want = positions and positional
    fixedsize = format_.fixed_value_size()
    at = len(WHOOSH3_HEADER_MAGIC)
    ids, weights, counts, flat = [], [], [], []
    while True:
        block, at, last = decode_block(data, at, positional, fixedsize, want_values=want)
        ids.append(block.ids)
        weights.append(block.weights)
        if want:
            counts.append(block.counts)
            flat.append(block.positions)
        if last or at >= len(data):
            break
    one = len(ids) == 1
    return TermPostings(ids[0] if one else np.concatenate(ids), weights[0] if one else np.concatenate(weights),
                        (counts[0] if one else np.concatenate(counts)) if want else None,
                        (flat[0] if one else np.concatenate(flat)) if want else None)


POSTINGS_CACHE_MB = 64  # decoded postings kept across searches (setting search_cache_mb shares its total)


def _postings_bytes(found: TermPostings) -> int:
    return sum(a.nbytes for a in (found.ids, found.weights, found.counts, found.positions) if a is not None)


POSTINGS_CACHE = SegmentCache(POSTINGS_CACHE_MB << 20, _postings_bytes,
                              lambda found: freeze_arrays(found.ids, found.weights, found.counts, found.positions))


class TermReads:
    """A search's memo of term postings: matching (``search.engine.whoosh.docsets``) and ranking
    (``search.engine.whoosh.ranking``) read the same terms, each once; later searches find recent
    ones in POSTINGS_CACHE."""

    def __init__(self):
        self._memo: dict[tuple, TermPostings] = {}

    def get(self, reader, fieldname: str, btext: bytes, positions: bool = False) -> TermPostings | None:
        key = (segment_token(reader), fieldname, btext)
        found = self._memo.get(key)
        if found is None:
            found = POSTINGS_CACHE.get(key)
        if found is not None and (not positions or found.positions is not None or found is EMPTY):
            self._memo[key] = found
            return found
        found = read_term(reader, fieldname, btext, positions)
        if found is not None:
            self._memo[key] = found
            if found is not EMPTY:
                POSTINGS_CACHE.put(key, found)
        return found
