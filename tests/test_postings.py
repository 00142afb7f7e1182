"""The FastCodec postings format: what is written is read back, by numpy and by Whoosh's
own matchers alike, at every integer width and across block boundaries."""
from __future__ import annotations

import io

import numpy as np
import pytest
from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.filedb.structfile import StructFile
from whoosh.formats import Existence, Frequency

from search.engine.whoosh import postings
from search.engine.whoosh.fields import CompactPositions


def _random_term(rng, n: int, max_gap: int, max_position: int):
    ids = np.cumsum(rng.integers(1, max_gap + 1, size=n)).astype(np.int64)
    counts = rng.integers(1, 6, size=n).astype(np.int64)
    positions = np.concatenate([np.sort(rng.choice(max_position, size=c, replace=False)) for c in counts])
    return ids, counts, positions.astype(np.int64)


def _written(format_, **arrays):
    """The term written into an in-memory postings file: (file, terminfo)."""
    handle = StructFile(io.BytesIO())
    writer = postings.FastPostingsWriter(handle, postings.is_positional(format_), format_.fixed_value_size())
    info = writer.write_term(**arrays)
    return handle, info


def _matcher(handle, info, format_):
    offset, length = info.extent()
    return postings.FastLeafMatcher(handle, offset, length, format_)


@pytest.mark.parametrize("n, max_gap, max_position", [
    (1, 1, 10), (5, 200, 200), (postings.BLOCK_POSTINGS, 60_000, 70_000),
    (postings.BLOCK_POSTINGS * 2 + 7, 3, 300), (3000, 100_000, 5_000_000)])
def test_positional_term_round_trip(n, max_gap, max_position):
    rng = np.random.default_rng(n)
    ids, counts, positions = _random_term(rng, n, max_gap, max_position)
    format_ = CompactPositions(field_boost=0.35)
    weights = (counts * 0.35).astype(np.float32)
    handle, info = _written(format_, ids=ids, weights=weights, counts=counts, positions=positions)
    assert info.doc_frequency() == n and info.min_id() == ids[0] and info.max_id() == ids[-1]
    assert info.weight() == pytest.approx(float(weights.sum()), rel=1e-6)

    # numpy, the whole term at once
    offset, length = info.extent()
    bulk = postings.decode_term(handle.file.getvalue()[offset:offset + length], format_, positions=True)
    assert bulk.ids.tolist() == ids.tolist() and bulk.counts.tolist() == counts.tolist()
    assert bulk.positions.tolist() == positions.tolist()
    np.testing.assert_allclose(bulk.weights, weights)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    assert bulk.starts.tolist() == starts.tolist()
    # Whoosh's matcher: ids, weights, positions, skip_to across blocks
    matcher = _matcher(handle, info, format_)
    seen_ids, seen_positions = [], []
    while matcher.is_active():
        seen_ids.append(matcher.id())
        assert matcher.weight() == pytest.approx(float(weights[len(seen_ids) - 1]))
        seen_positions.append(matcher.value_as("positions"))
        matcher.next()
    assert seen_ids == ids.tolist()
    assert seen_positions == [positions[s:s + c].tolist() for s, c in zip(starts, counts)]
    target = int(ids[n // 2])
    skipper = _matcher(handle, info, format_)
    skipper.skip_to(target)
    assert skipper.id() == target


def test_read_term_gives_ids_weights_and_positions_in_bulk(tmp_path):
    """read_term on a real segment equals what Whoosh's matcher yields for every term."""
    from whoosh import index as whoosh_index

    from search.engine.whoosh.fields import build_schema
    from search.engine.whoosh.writer import LeanSegmentWriter

    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    writer = LeanSegmentWriter(ix)
    rng = np.random.default_rng(1)
    vocabulary = [f"词{i}" for i in range(40)]
    for number in range(1500):
        tokens = [vocabulary[i] for i in rng.integers(0, 40, size=rng.integers(1, 30))]
        writer.add_document(paragraph_id=f"p{number}", report_id=f"r{number // 10}", body=tokens,
                            region="浙江省,杭州市", topic="enforcement" if number % 3 else "")
    writer.commit()
    with ix.searcher() as searcher:
        reader = searcher.reader()
        assert postings.segment_is_fast(reader)
        checked = 0
        for fieldname, btext in reader.all_terms():
            fast = postings.read_term(reader, fieldname, btext, positions=True)
            matcher = reader.postings(fieldname, btext)
            ids, weights, values = [], [], []
            while matcher.is_active():
                ids.append(matcher.id())
                weights.append(matcher.weight())
                if fieldname == "body":
                    values.append(matcher.value_as("positions"))
                matcher.next()
            assert fast.ids.tolist() == ids, (fieldname, btext)
            np.testing.assert_allclose(fast.weights, weights, rtol=1e-6)
            if fieldname == "body":
                assert fast.counts.tolist() == [len(v) for v in values]
                assert fast.positions.tolist() == [p for v in values for p in v]
            checked += 1
        assert checked > 40
        assert postings.read_term(reader, "body", "没有".encode()) is postings.EMPTY


@pytest.mark.parametrize("format_, values", [
    (Existence(), [b""] * 300),
    (Frequency(), [np.uint32(i % 7).byteswap().tobytes() for i in range(300)]),
])
def test_other_value_layouts_round_trip(format_, values):
    ids = np.arange(0, 600, 2, dtype=np.int64)
    weights = np.ones(300, dtype=np.float32)
    handle, info = _written(format_, ids=ids, weights=weights, values=values)
    matcher = _matcher(handle, info, format_)
    got = []
    while matcher.is_active():
        got.append((matcher.id(), matcher.value()))
        matcher.next()
    assert [i for i, _ in got] == ids.tolist()
    if format_.fixed_value_size():
        assert [v for _, v in got] == values


def test_per_posting_api_writes_the_same_bytes():
    """Segment merges go through Whoosh's start/add/finish calls: same blocks as write_term."""
    rng = np.random.default_rng(5)
    ids, counts, positions = _random_term(rng, 700, 50, 1000)
    format_ = CompactPositions()
    weights = counts.astype(np.float32)
    bulk, _ = _written(format_, ids=ids, weights=weights, counts=counts, positions=positions)
    handle = StructFile(io.BytesIO())
    writer = postings.FastPostingsWriter(handle, True, None)
    writer.start_postings(format_, W3TermInfo())
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    for docnum, weight, start, count in zip(ids.tolist(), weights.tolist(), starts.tolist(), counts.tolist()):
        writer.add_posting(docnum, weight, format_.encode(positions[start:start + count].tolist()))
    writer.finish_postings()
    assert handle.file.getvalue() == bulk.file.getvalue()
