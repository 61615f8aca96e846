// The persisted sequence-number reservation.
#include "agent/publish/seq_store.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace pathwatch::agent {

SeqStore::SeqStore(std::string directory) {
  if (directory.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) throw std::runtime_error("spool directory " + directory + ": " + ec.message());
  file_ = directory + "/next_seq";
  std::ifstream in(file_);
  if (in) {
    std::uint64_t value = 0;
    if (!(in >> value) || value == 0) {
      throw std::runtime_error(file_ +
                               ": not a sequence number; remove it only if the "
                               "collector has never seen this agent id");
    }
    first_ = value;
  }
  reserved_ = first_;
  if (!reserve(first_)) throw std::runtime_error(file_ + ": cannot write");
}

bool SeqStore::reserve(std::uint64_t seq) {
  if (file_.empty() || seq < reserved_) return true;
  return write(seq + kBlock);
}

bool SeqStore::close(std::uint64_t next_seq) {
  if (file_.empty()) return true;
  return write(next_seq);
}

bool SeqStore::write(std::uint64_t value) {
  // Write-then-rename: a crash leaves the old or the new value, never a torn one.
  const std::string tmp = file_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << value << "\n";
    out.flush();
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file_, ec);
  if (ec) return false;
  reserved_ = value;
  return true;
}

}  // namespace pathwatch::agent
