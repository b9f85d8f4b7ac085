"""The wheel builder now ships with the demo: re-exported for the GitLab rig."""

from pip_scoped_auth.demo.wheels import (
    build_wheel,
    normalize_name,
    wheel_filename,
    wheel_name_component,
)

__all__ = [
    "build_wheel",
    "normalize_name",
    "wheel_filename",
    "wheel_name_component",
]
