#!/usr/bin/python3
"""Writes the malformed-model corpus next to this script (run with Debian's python3-onnx 1.12).

Each file is a small ONNX model broken in one specific way. expected.txt (hand-written,
not generated) lists for every file the ErrorCode and a message substring that
malformed_test.cpp asserts. Re-run after changing a case: `/usr/bin/python3 make_corpus.py`.
Output is deterministic (fixed seeds), so the committed files only change with the script.
"""
import os
import random

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))


def model(nodes, inputs, outputs, initializers=(), opset=13, ir=8, extra_opsets=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    opsets = [helper.make_opsetid("", opset)] + list(extra_opsets)
    m = helper.make_model(graph, opset_imports=opsets, producer_name="wisp-malformed-corpus")
    m.ir_version = ir
    return m


def vi(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def identity(x="x", y="y", name="id"):
    return helper.make_node("Identity", [x], [y], name=name)


def good():
    return model([identity()], [vi("x", [2, 3])], [vi("y", [2, 3])])


def raw_tensor(name, dims, raw, dtype=TensorProto.FLOAT):
    t = TensorProto()
    t.name = name
    t.data_type = dtype
    t.dims.extend(dims)
    t.raw_data = raw
    return t


def with_initializer(t):
    """y = Identity(w) with w the given (broken) initializer."""
    return model([identity("w", "y")], [], [vi("y", None)], initializers=[t])


def external(location, offset=0, length=16):
    t = TensorProto()
    t.name = "w"
    t.data_type = TensorProto.FLOAT
    t.dims.append(4)
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", str(offset)), ("length", str(length))):
        e = t.external_data.add()
        e.key, e.value = k, v
    return with_initializer(t)


def write(name, m_or_bytes):
    data = m_or_bytes if isinstance(m_or_bytes, bytes) else m_or_bytes.SerializeToString()
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def main():
    big = good()
    big.graph.initializer.append(raw_tensor("unused", [256], bytes(1024)))
    data = big.SerializeToString()
    write("truncated.onnx", data[: len(data) // 2])

    rng = random.Random(1234)
    write("random_bytes.onnx", bytes(rng.randrange(256) for _ in range(512)))

    write("empty_file.onnx", b"")

    write("huge_dims.onnx", with_initializer(raw_tensor("w", [2**40, 2**40], bytes(4))))
    write("negative_dims.onnx", with_initializer(raw_tensor("w", [-1, 4], bytes(16))))
    write("raw_data_size_mismatch.onnx", with_initializer(raw_tensor("w", [2, 3], bytes(12))))

    t = TensorProto()
    t.name, t.data_type = "w", TensorProto.INT64
    t.dims.append(5)
    t.int64_data.extend([1, 2, 3])
    write("typed_data_size_mismatch.onnx", with_initializer(t))

    write("bad_element_type.onnx", with_initializer(raw_tensor("w", [1], bytes(4), dtype=99)))
    write("string_initializer.onnx", with_initializer(helper.make_tensor("w", TensorProto.STRING, [1], [b"hi"])))

    write("external_path_traversal.onnx", external("../../../../etc/passwd"))
    write("external_absolute_path.onnx", external("/etc/passwd"))
    with open(os.path.join(HERE, "external_short.bin"), "wb") as f:
        f.write(bytes(8))
    write("external_past_end.onnx", external("external_short.bin", 0, 16))
    write("external_missing_file.onnx", external("no_such_file.bin"))

    cycle = [helper.make_node("Identity", ["b"], ["a"], name="n1"),
             helper.make_node("Identity", ["a"], ["b"], name="n2"),
             helper.make_node("Identity", ["b"], ["y"], name="n3")]
    write("cycle.onnx", model(cycle, [vi("x", [2])], [vi("y", [2])]))

    write("undefined_input.onnx", model([identity("ghost", "y")], [vi("x", [2])], [vi("y", [2])]))

    dup = [identity("x", "y", "first"), identity("x", "y", "second")]
    write("duplicate_output.onnx", model(dup, [vi("x", [2])], [vi("y", [2])]))

    write("missing_graph_output.onnx", model([identity()], [vi("x", [2])], [vi("nowhere", [2])]))

    unknown = [helper.make_node("FrobnicateTensor", ["x"], ["t"], name="frob"),
               helper.make_node("Identity", ["t"], ["y"], name="id")]
    write("unknown_op.onnx", model(unknown, [vi("x", [2])], [vi("y", [2])]))

    custom = [helper.make_node("MyOp", ["x"], ["y"], name="mine", domain="com.example")]
    write("unknown_domain.onnx", model(custom, [vi("x", [2])], [vi("y", [2])],
                                       extra_opsets=[helper.make_opsetid("com.example", 1)]))

    # Transpose's perm declared INTS but holding a string.
    bad_attr = helper.make_node("Transpose", ["x"], ["y"], name="tr")
    a = bad_attr.attribute.add()
    a.name, a.type, a.s = "perm", onnx.AttributeProto.INT, b"1,0"
    write("wrong_attribute_kind.onnx", model([bad_attr], [vi("x", [2, 3])], [vi("y", [3, 2])]))

    # A well-formed attribute of the wrong kind for the op: Transpose perm as a float.
    tr = helper.make_node("Transpose", ["x"], ["y"], name="tr", perm=1.5)
    write("attribute_wrong_kind_for_op.onnx", model([tr], [vi("x", [2, 3])], [vi("y", [3, 2])]))

    write("rank_9_input.onnx", model([identity()], [vi("x", [1] * 9)], [vi("y", None)]))
    write("negative_input_dim.onnx", model([identity()], [vi("x", [2, -3])], [vi("y", None)]))
    write("huge_input_dim.onnx", model([identity()], [vi("x", [2**62])], [vi("y", None)]))

    two_inputs = [helper.make_node("Identity", ["x", "x"], ["y"], name="two")]
    write("wrong_arity.onnx", model(two_inputs, [vi("x", [2])], [vi("y", [2])]))

    write("ir_version_too_old.onnx", model([identity()], [vi("x", [2])], [vi("y", [2])], ir=2))
    write("opset_too_new.onnx", model([identity()], [vi("x", [2])], [vi("y", [2])], opset=99))
    no_graph = good()
    no_graph.ClearField("graph")
    write("no_graph.onnx", no_graph)

    # Graphs nested beyond protobuf's recursion limit (100): refused by the parser.
    leaf = helper.make_graph([identity()], "b", [], [vi("y", [2])])
    inner = leaf
    for _ in range(120):
        node = helper.make_node("If", ["c"], ["y"], name="if", then_branch=inner, else_branch=leaf)
        inner = helper.make_graph([node], "b", [], [vi("y", [2])])
    write("nested_too_deep.onnx", model(list(inner.node), [vi("c", [], TensorProto.BOOL)], [vi("y", [2])]))

    # Imports fine, fails at prepare: Dropout with a constant training_mode=true.
    tm = helper.make_tensor("tm", TensorProto.BOOL, [], [True])
    drop = helper.make_node("Dropout", ["x", "", "tm"], ["y"], name="drop")
    write("dropout_training_mode.onnx", model([drop], [vi("x", [2, 3])], [vi("y", [2, 3])], initializers=[tm]))

    # Imports fine, fails at prepare: Add of shapes that do not broadcast.
    add = helper.make_node("Add", ["x", "z"], ["y"], name="add")
    write("broadcast_mismatch.onnx", model([add], [vi("x", [2, 3]), vi("z", [4, 5])], [vi("y", None)]))

    # Imports fine, fails at prepare: Reshape to a shape with a different element count.
    shape = helper.make_tensor("shape", TensorProto.INT64, [2], [4, 4])
    rs = helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")
    write("reshape_count_mismatch.onnx", model([rs], [vi("x", [2, 3])], [vi("y", None)], initializers=[shape]))

    # Out-of-range indices: constant ones are caught at prepare, runtime ones by the kernel
    # (the test feeds integer inputs drawn from [-2, 2], outside [-1, 0] for a dim of 1).
    idx = helper.make_tensor("idx", TensorProto.INT64, [2], [0, 5])
    g1 = helper.make_node("Gather", ["x", "idx"], ["y"], name="gather_const", axis=0)
    write("gather_index_constant.onnx", model([g1], [vi("x", [3])], [vi("y", None)], initializers=[idx]))
    g2 = helper.make_node("Gather", ["x", "i"], ["y"], name="gather_runtime", axis=0)
    write("gather_index_runtime.onnx",
          model([g2], [vi("x", [1, 2]), vi("i", [8], TensorProto.INT64)], [vi("y", None)]))
    ge = helper.make_node("GatherElements", ["x", "i"], ["y"], name="gather_elements_runtime", axis=1)
    write("gather_elements_index_runtime.onnx",
          model([ge], [vi("x", [2, 1]), vi("i", [2, 4], TensorProto.INT64)], [vi("y", None)]))
    sc = helper.make_node("ScatterND", ["x", "i", "u"], ["y"], name="scatter_nd_runtime")
    write("scatter_nd_index_runtime.onnx",
          model([sc], [vi("x", [1]), vi("i", [4, 1], TensorProto.INT64), vi("u", [4])], [vi("y", None)]))


if __name__ == "__main__":
    main()
