// Plain-text tables for pathwatchctl's human output: columns padded to their widest cell
// (display width, so Japanese site names line up too).
#pragma once

#include <string>
#include <vector>

namespace pathwatch::ctl {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string render() const;
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// Terminal columns a UTF-8 string takes (East Asian wide characters count 2).
std::size_t display_width(const std::string& s);

}  // namespace pathwatch::ctl
