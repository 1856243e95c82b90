#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "openssl/evp.h"

namespace snapkeep::snapshot {

// Incremental SHA-256 (OpenSSL EVP). Owns its EVP_MD_CTX. Not thread-safe.
class Sha256Hasher {
 public:
  static constexpr size_t kDigestSize = 32;
  using Digest = std::array<unsigned char, kDigestSize>;

  Sha256Hasher();
  void Update(std::string_view data);
  // Ends this hash; the hasher starts over afterwards.
  Digest Finish();
  // The digest of the bytes so far, leaving the hash open for more.
  Digest Peek() const;
  std::string FinishHex();

  static std::string ToHex(const Digest& digest);
  static std::string ToHex(std::string_view bytes);

 private:
  struct CtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx_;
};

}  // namespace snapkeep::snapshot
