"""Component factories. No callbacks and no I/O at import time."""
