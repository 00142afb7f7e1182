"""``python -m search`` runs the govsearch command line."""
from .cli import main

main()
