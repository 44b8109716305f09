#include "io/dataset.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "core/checked_math.hpp"
#include "core/status.hpp"
#include "io/idx.hpp"
#include "io/image_decode.hpp"
#include "io/npy.hpp"

namespace wisp {
namespace fs = std::filesystem;
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Any numeric tensor -> float32; uint8 data (pixels) is multiplied by `scale`.
Tensor to_float(const Tensor& t, float scale) {
  Tensor out(DType::kF32, t.shape());
  float* dst = out.as<float>();
  const int64_t n = t.numel();
  if (t.dtype() == DType::kU8) {
    const auto* src = t.as<uint8_t>();
    for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]) * scale;
  } else if (t.dtype() == DType::kF32) {
    if (n) std::memcpy(dst, t.data(), static_cast<size_t>(n) * sizeof(float));
  } else {
    for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(element_as_double(t.view(), i));
  }
  return out;
}

// mean/std per channel on a float [N, C, ...] (or [N, ..., C] with channels_last) tensor.
void normalize(Tensor& t, const DatasetOptions& o, const std::string& where) {
  if (o.mean.empty() && o.std.empty()) return;
  const Shape& s = t.shape();
  WISP_CHECK(s.rank() >= 2, ErrorCode::kInvalidArgument, where, ": --mean/--std need a [N, C, ...] data set, got ",
             s.str());
  const int64_t c = o.channels_last ? s[s.rank() - 1] : s[1];
  auto per_channel = [&](const std::vector<float>& v, float fallback, const char* what) {
    std::vector<float> r(static_cast<size_t>(c), fallback);
    if (v.empty()) return r;
    WISP_CHECK(v.size() == 1 || static_cast<int64_t>(v.size()) == c, ErrorCode::kInvalidArgument, where, ": ", what,
               " has ", v.size(), " values for ", c, " channels (give 1 or ", c, ")");
    for (int64_t i = 0; i < c; ++i) r[static_cast<size_t>(i)] = v.size() == 1 ? v[0] : v[static_cast<size_t>(i)];
    return r;
  };
  const std::vector<float> mean = per_channel(o.mean, 0.0f, "mean");
  const std::vector<float> stdv = per_channel(o.std, 1.0f, "std");
  for (float v : stdv) WISP_CHECK(v != 0.0f, ErrorCode::kInvalidArgument, where, ": std of 0");
  float* p = t.as<float>();
  const int64_t n = t.numel();
  int64_t inner = 1;  // elements per channel run (NCHW) ...
  if (!o.channels_last)
    for (int i = 2; i < s.rank(); ++i) inner *= s[i];
  for (int64_t i = 0; i < n; ++i) {
    const int64_t ch = o.channels_last ? i % c : (i / inner) % c;
    p[i] = (p[i] - mean[static_cast<size_t>(ch)]) / stdv[static_cast<size_t>(ch)];
  }
}

std::vector<fs::path> sorted_files(const std::string& dir, bool (*keep)(const fs::path&)) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && keep(e.path())) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

Tensor load_npy_folder(const std::string& dir, const DatasetOptions& o) {
  const auto files = sorted_files(dir, [](const fs::path& p) { return p.extension() == ".npy"; });
  WISP_CHECK(!files.empty(), ErrorCode::kInvalidArgument, dir, ": folder holds no .npy files");
  std::vector<Tensor> parts;
  int64_t total = 0;
  for (const fs::path& f : files) {
    if (o.limit >= 0 && total >= o.limit) break;
    Tensor t = to_float(read_npy(f.string()), o.scale);
    WISP_CHECK(t.shape().rank() >= 1, ErrorCode::kInvalidArgument, f.string(), ": a batch needs a sample axis");
    if (!parts.empty()) {
      const Shape& a = parts[0].shape();
      const Shape& b = t.shape();
      bool same = a.rank() == b.rank();
      for (int i = 1; same && i < a.rank(); ++i) same = a[i] == b[i];
      WISP_CHECK(same, ErrorCode::kInvalidArgument, f.string(), ": batch shape ", b.str(),
                 " does not match the first batch's ", a.str(), " (all but the first axis must agree)");
    }
    total = checked_add(total, t.shape()[0], "data set size");
    parts.push_back(std::move(t));
  }
  Shape shape = parts[0].shape();
  shape[0] = (o.limit >= 0) ? std::min(total, o.limit) : total;
  Tensor out(DType::kF32, shape);
  const int64_t item = shape[0] ? out.numel() / shape[0] : 0;
  int64_t at = 0;
  for (const Tensor& t : parts) {
    const int64_t take = std::min(t.shape()[0], shape[0] - at);
    if (take <= 0) break;
    std::memcpy(out.as<float>() + at * item, t.data(), static_cast<size_t>(take * item) * sizeof(float));
    at += take;
  }
  return out;
}

Tensor load_image_folder(const std::string& dir, const DatasetOptions& o) {
  auto files = sorted_files(dir, [](const fs::path& p) { return is_image_file_name(p.string()); });
  WISP_CHECK(!files.empty(), ErrorCode::kInvalidArgument, dir, ": folder holds no .npy or image files");
  if (o.limit >= 0 && static_cast<int64_t>(files.size()) > o.limit) files.resize(static_cast<size_t>(o.limit));
  WISP_CHECK(o.resize_hw.empty() || (o.resize_hw.size() == 2 && o.resize_hw[0] > 0 && o.resize_hw[1] > 0 &&
                                     o.resize_hw[0] <= 16384 && o.resize_hw[1] <= 16384),
             ErrorCode::kInvalidArgument, "resize: expected H,W in 1..16384");
  Tensor out;
  int64_t h = 0, w = 0, c = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    // The first image fixes the channel count; later ones are converted to it.
    DecodedImage img = decode_image_file(files[i].string(), static_cast<int>(c));
    std::vector<float> px(img.pixels.size());
    for (size_t k = 0; k < px.size(); ++k) px[k] = static_cast<float>(img.pixels[k]) * o.scale;
    if (!o.resize_hw.empty() && (img.height != o.resize_hw[0] || img.width != o.resize_hw[1])) {
      px = resize_bilinear_hwc(px.data(), img.height, img.width, img.channels, o.resize_hw[0], o.resize_hw[1]);
      img.height = o.resize_hw[0];
      img.width = o.resize_hw[1];
    }
    if (i == 0) {
      h = img.height, w = img.width, c = img.channels;
      const auto n = static_cast<int64_t>(files.size());
      out = o.channels_last ? Tensor(DType::kF32, Shape{n, h, w, c}) : Tensor(DType::kF32, Shape{n, c, h, w});
    }
    WISP_CHECK(img.height == h && img.width == w, ErrorCode::kInvalidArgument, files[i].string(), ": image is ",
               img.height, "x", img.width, " but the first is ", h, "x", w, "; pass --resize H,W");
    float* dst = out.as<float>() + static_cast<int64_t>(i) * h * w * c;
    if (o.channels_last) {
      std::copy(px.begin(), px.end(), dst);
    } else {
      for (int64_t y = 0; y < h * w; ++y)
        for (int64_t k = 0; k < c; ++k) dst[k * h * w + y] = px[static_cast<size_t>(y * c + k)];
    }
  }
  return out;
}

}  // namespace

Tensor slice_samples(const Tensor& batch, int64_t begin, int64_t count) {
  WISP_CHECK(batch.shape().rank() >= 1 && begin >= 0 && count >= 0 && begin + count <= batch.shape()[0],
             ErrorCode::kInvalidArgument, "slice_samples: [", begin, ", ", begin + count, ") outside ",
             batch.shape().str());
  Shape s = batch.shape();
  const int64_t item_bytes = s[0] ? batch.bytes() / s[0] : 0;
  s[0] = count;
  Tensor out(batch.dtype(), s);
  if (count)
    std::memcpy(out.data(), static_cast<const std::byte*>(batch.data()) + begin * item_bytes,
                static_cast<size_t>(count * item_bytes));
  return out;
}

Tensor load_dataset(const std::string& path, const DatasetOptions& o) {
  std::error_code ec;
  WISP_CHECK(fs::exists(path, ec), ErrorCode::kIo, path, ": no such file or folder");
  Tensor t;
  if (fs::is_directory(path, ec)) {
    bool has_npy = false;
    for (const auto& e : fs::directory_iterator(path)) has_npy |= e.path().extension() == ".npy";
    if (has_npy) t = load_npy_folder(path, o);
    else return [&] { Tensor r = load_image_folder(path, o); normalize(r, o, path); return r; }();
  } else if (ends_with(path, ".npy")) {
    Tensor raw = read_npy(path);
    WISP_CHECK(raw.shape().rank() >= 1, ErrorCode::kInvalidArgument, path, ": a data set needs a sample axis");
    if (o.limit >= 0 && o.limit < raw.shape()[0]) raw = slice_samples(raw, 0, o.limit);
    t = to_float(raw, o.scale);
  } else if (looks_like_idx(path)) {
    Tensor raw = read_idx(path, o.limit);
    // IDX images [N, H, W] get their channel axis.
    if (raw.shape().rank() == 3) {
      const Shape& s = raw.shape();
      Shape with_c = o.channels_last ? Shape{s[0], s[1], s[2], 1} : Shape{s[0], 1, s[1], s[2]};
      Tensor f = to_float(raw, o.scale);
      t = Tensor::copy_of(TensorView{DType::kF32, with_c, f.data()});
    } else {
      t = to_float(raw, o.scale);
    }
  } else if (is_image_file_name(path)) {
    fail(ErrorCode::kInvalidArgument, path, ": give the folder holding the images, not one image");
  } else {
    fail(ErrorCode::kUnsupported, path,
         ": unknown data set kind (expected .npy, a folder of .npy or images, or an IDX file such as "
         "t10k-images-idx3-ubyte.gz)");
  }
  if (!o.resize_hw.empty() && !fs::is_directory(path, ec)) {
    // Resizing .npy/IDX images: [N, C, H, W] (or NHWC) float tensors.
    const Shape s = t.shape();
    WISP_CHECK(s.rank() == 4 && o.resize_hw.size() == 2, ErrorCode::kInvalidArgument, path,
               ": --resize needs 4-D image data, got ", s.str());
    const int64_t n = s[0], c = o.channels_last ? s[3] : s[1], h = o.channels_last ? s[1] : s[2],
                  w = o.channels_last ? s[2] : s[3];
    const int64_t oh = o.resize_hw[0], ow = o.resize_hw[1];
    Tensor r(DType::kF32, o.channels_last ? Shape{n, oh, ow, c} : Shape{n, c, oh, ow});
    std::vector<float> hwc(static_cast<size_t>(h * w * c));
    for (int64_t i = 0; i < n; ++i) {
      const float* src = t.as<float>() + i * h * w * c;
      if (o.channels_last) std::copy(src, src + h * w * c, hwc.begin());
      else
        for (int64_t y = 0; y < h * w; ++y)
          for (int64_t k = 0; k < c; ++k) hwc[static_cast<size_t>(y * c + k)] = src[k * h * w + y];
      const std::vector<float> res = resize_bilinear_hwc(hwc.data(), h, w, c, oh, ow);
      float* dst = r.as<float>() + i * oh * ow * c;
      if (o.channels_last) std::copy(res.begin(), res.end(), dst);
      else
        for (int64_t y = 0; y < oh * ow; ++y)
          for (int64_t k = 0; k < c; ++k) dst[k * oh * ow + y] = res[static_cast<size_t>(y * c + k)];
    }
    t = std::move(r);
  }
  normalize(t, o, path);
  return t;
}

Tensor load_labels(const std::string& path, int64_t limit) {
  Tensor raw;
  if (ends_with(path, ".npy")) raw = read_npy(path);
  else if (looks_like_idx(path)) raw = read_idx(path, limit);
  else fail(ErrorCode::kUnsupported, path, ": labels must be a .npy file or an IDX label file (*-idx1-ubyte[.gz])");
  const Shape& s = raw.shape();
  WISP_CHECK(s.rank() == 1 || (s.rank() == 2 && s[1] == 1), ErrorCode::kInvalidArgument, path,
             ": labels must be a vector [N] (or [N, 1]), got ", s.str());
  int64_t n = s[0];
  if (limit >= 0 && limit < n) n = limit;
  Tensor out(DType::kI64, Shape{n});
  for (int64_t i = 0; i < n; ++i) {
    const double v = element_as_double(raw.view(), i);
    WISP_CHECK(v == static_cast<double>(static_cast<int64_t>(v)), ErrorCode::kInvalidArgument, path, ": label ", i,
               " is ", v, ", not an integer");
    out.as<int64_t>()[i] = static_cast<int64_t>(v);
  }
  return out;
}

}  // namespace wisp
