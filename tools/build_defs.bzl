"""Project-wide C++ rule wrappers: one place for the warning flags.

Load these instead of the native rules in every package:

    load("//tools:build_defs.bzl", "illusion_cc_library", "illusion_cc_test")

They forward every attribute to native.cc_* and prepend ILLUSION_COPTS to the
target's own `copts`. (No @rules_cc load: Bazel 4.2.3's native rules are used
directly; @rules_cc here is only an offline forwarder, see third_party/.)
"""

# Warnings are errors for project code. System headers (/usr/include) are
# exempt because GCC does not warn inside system include directories.
ILLUSION_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-unused-parameter",
    "-Wno-sign-compare",
]

def illusion_cc_library(name, copts = [], **kwargs):
    """native.cc_library with ILLUSION_COPTS."""
    native.cc_library(name = name, copts = ILLUSION_COPTS + copts, **kwargs)

def illusion_cc_binary(name, copts = [], **kwargs):
    """native.cc_binary with ILLUSION_COPTS."""
    native.cc_binary(name = name, copts = ILLUSION_COPTS + copts, **kwargs)

def illusion_cc_test(name, copts = [], **kwargs):
    """native.cc_test with ILLUSION_COPTS (link //third_party:gtest_main yourself)."""
    native.cc_test(name = name, copts = ILLUSION_COPTS + copts, **kwargs)
