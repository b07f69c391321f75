"""cc_grpc_library on top of native proto_library, using Debian's grpc_cpp_plugin."""

def _grpc_cc_codegen_impl(ctx):
    info = ctx.attr.proto[ProtoInfo]
    outs = []
    names = []
    for src in info.direct_sources:
        if src.owner.package != ctx.label.package or src.owner.workspace_name != ctx.label.workspace_name:
            fail("cc_grpc_library must be in the same package as its proto_library")
        rel = src.short_path  # e.g. "proto/grpc/health/v1/health.proto"
        names.append(rel)

        # protoc writes <bin_dir>/<import path minus .proto>.grpc.pb.{h,cc};
        # declare_file() is relative to the package, so keep any
        # subdirectories below the package (e.g. "grpc/health/v1/health").
        base = rel[len(ctx.label.package) + 1:-len(".proto")] if ctx.label.package else rel[:-len(".proto")]
        outs.append(ctx.actions.declare_file(base + ".grpc.pb.h"))
        outs.append(ctx.actions.declare_file(base + ".grpc.pb.cc"))
    args = ctx.actions.args()
    args.add_joined("--descriptor_set_in", info.transitive_descriptor_sets, join_with = ":")
    args.add(ctx.executable._plugin.path, format = "--plugin=protoc-gen-grpc=%s")
    args.add("--grpc_out=" + ctx.bin_dir.path)
    args.add_all(names)
    ctx.actions.run(
        executable = ctx.executable._protoc,
        arguments = [args],
        inputs = info.transitive_descriptor_sets,
        tools = [ctx.executable._plugin],
        outputs = outs,
        mnemonic = "GrpcCppCodegen",
        progress_message = "grpc_cpp_plugin %s" % ctx.label,
    )
    return [
        DefaultInfo(files = depset(outs)),
        OutputGroupInfo(
            headers = depset([f for f in outs if f.extension == "h"]),
            sources = depset([f for f in outs if f.extension == "cc"]),
        ),
    ]

_grpc_cc_codegen = rule(
    implementation = _grpc_cc_codegen_impl,
    attrs = {
        "proto": attr.label(mandatory = True, providers = [ProtoInfo]),
        "_protoc": attr.label(default = "@com_google_protobuf//:protoc", executable = True, cfg = "host"),
        "_plugin": attr.label(default = "@debian_grpc_plugin//:grpc_cpp_plugin", executable = True, cfg = "host"),
    },
)

def cc_grpc_library(name, proto, cc_proto, visibility = None):
    """C++ gRPC stubs for the services in `proto` (a proto_library).

    cc_proto: the cc_proto_library for the same proto_library (messages).
    """
    _grpc_cc_codegen(name = name + "_codegen", proto = proto)
    native.filegroup(name = name + "_hdrs", srcs = [":" + name + "_codegen"], output_group = "headers")
    native.filegroup(name = name + "_srcs", srcs = [":" + name + "_codegen"], output_group = "sources")
    native.cc_library(
        name = name,
        srcs = [":" + name + "_srcs"],
        hdrs = [":" + name + "_hdrs"],
        deps = [cc_proto, "//third_party:grpc++"],
        visibility = visibility,
    )
