"""Stand-in for pip's get-pip.py bootstrap that ansible-test downloads from its CI file server.

ansible-test creates its sanity virtual environments without pip and runs this script with pip's
arguments. Where that file server is out of reach, bootstrapping from the interpreter's own
ensurepip and then installing the requested pip from the package index gives the same result.
"""

import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install", *args])
