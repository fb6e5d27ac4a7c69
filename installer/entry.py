"""Entry point of the bundled ``storesight`` program (PyInstaller): the CLI, and the window without arguments."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # worker processes of a frozen program re-enter here
    from app.cli.main import main

    sys.exit(main())
