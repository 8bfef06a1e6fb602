"""The `lucid` command lines a customer runs to use a filespace, filled in for it.

The root password is the customer's alone: it appears only as a placeholder.
"""

import shlex
from dataclasses import dataclass

from provisioning.models import Filespace


@dataclass(frozen=True)
class ConnectStep:
    title: str
    command: str
    note: str = ""


def connect_steps(filespace: Filespace) -> list[ConnectStep]:
    fs = filespace.qualified_name
    option = filespace.storage_option
    steps: list[ConnectStep] = []
    if option.is_customer_owned:
        # Validated as host[:port] when ordered; quoted anyway, since customers paste it.
        endpoint = shlex.quote(filespace.endpoint) if filespace.endpoint else "<endpoint host:port>"
        steps.append(
            ConnectStep(
                "Initialize the filespace on your storage (once)",
                f"lucid init-s3 --fs {fs} --password <root password> --https "
                f"--endpoint {endpoint} --access-key <access key> --secret-key <secret key> "
                f"--region {option.region} --block-size 256 --provider {option.provider}",
                "The block size is fixed at initialization; 256 KiB is the default. Choose a "
                "root password only you know: we never ask for it.",
            )
        )
    steps += [
        ConnectStep(
            "Link this computer to the filespace",
            f"lucid link --fs {fs} --user <user> --password <password>",
        ),
        ConnectStep(
            "Create a user for a teammate",
            "lucid user --create <username> --password <root password>",
        ),
        ConnectStep(
            "Take a snapshot",
            "lucid snapshot --create <snapshot name> --password <root password>",
        ),
        ConnectStep("Set the local cache size", "lucid cache --on --size <MiB>"),
        ConnectStep("Mount and unmount", "lucid mount\nlucid unmount"),
    ]
    return steps
