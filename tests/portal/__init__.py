"""A fake government portal served over real HTTP on 127.0.0.1 for the crawler tests."""
