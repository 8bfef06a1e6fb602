"""The client is plain Python: importing it must not pull in Django."""

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_importing_the_client_does_not_import_django():
    code = "import sys, provisioning.lucidlink; print('django' in sys.modules)"

    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "False"
