"""``python -m search.crawl``: the crawl command without the rest of the CLI (used by the kill test)."""
from .command import crawl_command

if __name__ == "__main__":
    crawl_command(prog_name="python -m search.crawl")
