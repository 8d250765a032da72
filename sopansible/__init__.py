"""sopansible: runs the court website SOPs with the pn.website collection and reports on them.

The engines are the collection's own ``plugins/module_utils`` (the code Ansible ships to court
servers): importing this package puts the collection on the import path once, so that every part of
sopansible imports them plainly (``from ansible_collections.pn.website.plugins.module_utils.backup
import repository``).
"""

import sys

from sopansible.paths import COLLECTIONS_DIR

if str(COLLECTIONS_DIR) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS_DIR))

__version__ = "0.1.0"
