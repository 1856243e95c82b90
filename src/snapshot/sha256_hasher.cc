#include "snapshot/sha256_hasher.h"

#include <cstdlib>

#include "spdlog/spdlog.h"

namespace snapkeep::snapshot {
namespace {
void Check(int ok, const char* what) {
  // EVP digest calls fail only on allocation failure or a broken OpenSSL.
  if (ok != 1) {
    spdlog::critical("OpenSSL {} failed", what);
    std::abort();
  }
}
}  // namespace

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  Check(ctx_ != nullptr, "EVP_MD_CTX_new");
  Check(EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr), "EVP_DigestInit_ex");
}

void Sha256Hasher::Update(std::string_view data) {
  if (!data.empty()) {
    Check(EVP_DigestUpdate(ctx_.get(), data.data(), data.size()), "EVP_DigestUpdate");
  }
}

Sha256Hasher::Digest Sha256Hasher::Finish() {
  Digest digest;
  unsigned int size = 0;
  Check(EVP_DigestFinal_ex(ctx_.get(), digest.data(), &size), "EVP_DigestFinal_ex");
  Check(EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr), "EVP_DigestInit_ex");
  return digest;
}

Sha256Hasher::Digest Sha256Hasher::Peek() const {
  std::unique_ptr<EVP_MD_CTX, CtxDeleter> copy(EVP_MD_CTX_new());
  Check(copy != nullptr, "EVP_MD_CTX_new");
  Check(EVP_MD_CTX_copy_ex(copy.get(), ctx_.get()), "EVP_MD_CTX_copy_ex");
  Digest digest;
  unsigned int size = 0;
  Check(EVP_DigestFinal_ex(copy.get(), digest.data(), &size), "EVP_DigestFinal_ex");
  return digest;
}

std::string Sha256Hasher::FinishHex() { return ToHex(Finish()); }

std::string Sha256Hasher::ToHex(const Digest& digest) {
  return ToHex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string Sha256Hasher::ToHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 0xf]);
  }
  return hex;
}

}  // namespace snapkeep::snapshot
