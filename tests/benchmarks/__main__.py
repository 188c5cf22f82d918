import sys

from tests.benchmarks import main

sys.exit(main())
