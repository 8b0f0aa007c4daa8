import sys

from smenet.cli import main

sys.exit(main())
