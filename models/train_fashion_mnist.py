#!/usr/bin/env python3
"""Train Wisp's shipped sample model: a small CNN on Fashion-MNIST.

Run by a developer (not CI) from the repository root:

    /usr/bin/python3 models/train_fashion_mnist.py

Reads the IDX .gz files directly (no dataset download), trains a small CNN on
CPU with a fixed seed, exports it to ONNX (opset 13) and writes the test
fixtures used by the C++ tests:

    models/fashion_mnist_cnn.onnx            the model (input "image", output "logits")
    models/fashion_mnist_test_images.npy     uint8  [300,1,28,28] first 300 t10k images
    models/fashion_mnist_test_labels.npy     int64  [300]         their labels
    models/fashion_mnist_cnn.reference.npy   float32 [300,10]     PyTorch logits for them

Model input: float32 [N,1,28,28], pixel values scaled to [0,1] (x / 255);
no mean/std normalisation, so a runtime needs only a single scale factor.
"""

import argparse
import gzip
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 0
NUM_FIXTURE = 300
DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"
HERE = os.path.dirname(os.path.abspath(__file__))


def read_idx(path):
    """Read an IDX file (optionally gzipped) into a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: unsupported IDX header (dtype 0x{dtype_code:02x})")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: size mismatch, header says {dims}")
    return arr.reshape(dims)


def load_split(data_dir, prefix):
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    assert images.shape[0] == labels.shape[0]
    return images[:, None, :, :].copy(), labels.astype(np.int64)  # uint8 [N,1,28,28], int64 [N]


class FashionCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.dropout = nn.Dropout(0.25)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)   # [N,16,14,14]
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)   # [N,32,7,7]
        x = torch.flatten(x, 1)                                # [N,1568]
        x = self.dropout(F.relu(self.fc1(x)))
        return self.fc2(x)


def to_input(images_u8):
    return torch.from_numpy(images_u8.astype(np.float32) / np.float32(255.0))


def numpy_run_onnx(model_proto, x):
    """Tiny NumPy interpreter for the ops this graph uses (no onnxruntime needed).

    Used only to cross-check the exported file against PyTorch. Returns None if
    the graph contains an op it does not know.
    """
    from onnx import numpy_helper
    env = {t.name: numpy_helper.to_array(t) for t in model_proto.graph.initializer}
    env[model_proto.graph.input[0].name] = x
    for node in model_proto.graph.node:
        a = {at.name: at for at in node.attribute}
        ins = [env[i] for i in node.input]
        op = node.op_type
        if op == "Conv":
            xx, w = ins[0], ins[1]
            b = ins[2] if len(ins) > 2 else np.zeros(w.shape[0], np.float32)
            pads = list(a["pads"].ints) if "pads" in a else [0, 0, 0, 0]
            strides = list(a["strides"].ints) if "strides" in a else [1, 1]
            assert strides == [1, 1] and ("group" not in a or a["group"].i == 1)
            xp = np.pad(xx, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
            kh, kw = w.shape[2:]
            oh, ow = xp.shape[2] - kh + 1, xp.shape[3] - kw + 1
            cols = np.stack([xp[:, :, i:i + oh, j:j + ow] for i in range(kh) for j in range(kw)], axis=2)
            y = np.einsum("nckhw,ock->nohw", cols, w.reshape(w.shape[0], w.shape[1], kh * kw))
            out = y + b[None, :, None, None]
        elif op == "Relu":
            out = np.maximum(ins[0], 0)
        elif op == "MaxPool":
            k = list(a["kernel_shape"].ints)
            assert k == [2, 2] and list(a["strides"].ints) == [2, 2]
            n, c, h, w_ = ins[0].shape
            out = ins[0].reshape(n, c, h // 2, 2, w_ // 2, 2).max(axis=(3, 5))
        elif op == "Flatten":
            out = ins[0].reshape(ins[0].shape[0], -1)
        elif op == "Gemm":
            A, B = ins[0], ins[1]
            if "transA" in a and a["transA"].i:
                A = A.T
            if "transB" in a and a["transB"].i:
                B = B.T
            alpha = a["alpha"].f if "alpha" in a else 1.0
            beta = a["beta"].f if "beta" in a else 1.0
            out = alpha * (A @ B) + (beta * ins[2] if len(ins) > 2 else 0)
        else:
            print(f"numpy_run_onnx: op {op} not supported, skipping cross-check")
            return None
        env[node.output[0]] = out.astype(np.float32)
    return env[model_proto.graph.output[0].name]


@torch.no_grad()
def predict(model, x, batch=1000):
    model.eval()
    return torch.cat([model(x[i:i + batch]) for i in range(0, x.shape[0], batch)])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    ap.add_argument("--out-dir", default=HERE)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    rng = np.random.default_rng(SEED)

    train_x_u8, train_y = load_split(args.data_dir, "train")
    test_x_u8, test_y = load_split(args.data_dir, "t10k")
    print(f"train {train_x_u8.shape} test {test_x_u8.shape}")

    train_x = to_input(train_x_u8)
    train_t = torch.from_numpy(train_y)
    test_x = to_input(test_x_u8)

    model = FashionCNN()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=args.epochs * ((len(train_x) + args.batch_size - 1) // args.batch_size))

    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.from_numpy(rng.permutation(len(train_x)))
        total_loss, n = 0.0, 0
        for i in range(0, len(perm), args.batch_size):
            idx = perm[i:i + args.batch_size]
            xb, yb = train_x[idx], train_t[idx]
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            sched.step()
            total_loss += loss.item() * len(idx)
            n += len(idx)
        acc = (predict(model, test_x).argmax(1).numpy() == test_y).mean()
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total_loss / n:.4f}  "
              f"test acc {acc * 100:.2f}%  ({time.time() - t0:.0f}s)")
    train_time = time.time() - t0
    print(f"training time: {train_time:.1f}s ({args.threads} thread(s))")

    model.eval()
    logits_all = predict(model, test_x).numpy()
    acc_full = (logits_all.argmax(1) == test_y).mean()
    ref = predict(model, test_x[:NUM_FIXTURE]).numpy().astype(np.float32)
    acc_300 = (ref.argmax(1) == test_y[:NUM_FIXTURE]).mean()
    print(f"PyTorch top-1 accuracy, full t10k (10000): {acc_full * 100:.2f}%")
    print(f"PyTorch top-1 accuracy, first {NUM_FIXTURE}: {acc_300 * 100:.2f}% "
          f"({int((ref.argmax(1) == test_y[:NUM_FIXTURE]).sum())}/{NUM_FIXTURE})")

    os.makedirs(args.out_dir, exist_ok=True)
    onnx_path = os.path.join(args.out_dir, "fashion_mnist_cnn.onnx")
    torch.onnx.export(
        model, test_x[:1], onnx_path,
        export_params=True, opset_version=13, do_constant_folding=True,
        input_names=["image"], output_names=["logits"],
        dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
    )
    import onnx
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m)
    size = os.path.getsize(onnx_path)
    assert size < 1 << 20, f"ONNX file too large: {size} bytes"
    print(f"wrote {onnx_path} ({size} bytes), opset "
          f"{[(o.domain or 'ai.onnx', o.version) for o in m.opset_import]}")
    print("ONNX node op_types:", [n.op_type for n in m.graph.node])
    onnx_ref = numpy_run_onnx(m, test_x[:NUM_FIXTURE].numpy())
    if onnx_ref is not None:
        diff = float(np.abs(onnx_ref - ref).max())
        print(f"ONNX (NumPy interpreter) vs PyTorch logits on {NUM_FIXTURE} images: max |diff| = {diff:.3g}, "
              f"argmax agree {int((onnx_ref.argmax(1) == ref.argmax(1)).sum())}/{NUM_FIXTURE}")
        assert diff < 1e-3, "exported ONNX disagrees with PyTorch"

    fixtures = {
        "fashion_mnist_test_images.npy": np.ascontiguousarray(test_x_u8[:NUM_FIXTURE], dtype=np.uint8),
        "fashion_mnist_test_labels.npy": np.ascontiguousarray(test_y[:NUM_FIXTURE], dtype=np.int64),
        "fashion_mnist_cnn.reference.npy": np.ascontiguousarray(ref, dtype=np.float32),
    }
    for name, arr in fixtures.items():
        path = os.path.join(args.out_dir, name)
        np.save(path, arr, allow_pickle=False)
        print(f"wrote {path} {arr.dtype} {list(arr.shape)} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
