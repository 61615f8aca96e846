#include "shared/config/config_node.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

namespace pathwatch::shared {
namespace {

using namespace std::chrono_literals;

// Returns the ConfigError message the callable throws, or "" if it does not throw.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ConfigNode, UnknownKeyIsReportedAtTheKey) {
  const auto root = ConfigNode::load_string("a: 1\nbogus: 2\n", "x.yaml");
  EXPECT_EQ(error_of([&] {
              auto map = root.as_map();
              map.required("a");
              map.finish();
            }),
            "x.yaml:2:1: unknown key 'bogus'");
}

TEST(ConfigNode, MissingKeyIsReportedAtTheMapWithItsPath) {
  const auto root = ConfigNode::load_string("outer:\n  inner: {a: 1}\n", "x.yaml");
  EXPECT_EQ(error_of([&] {
              auto top = root.as_map();
              auto outer = top.required("outer").as_map();
              auto inner = outer.required("inner").as_map();
              inner.required("b");
            }),
            "x.yaml:2:10: outer.inner: missing required key 'b'");
}

TEST(ConfigNode, WrongTypeIsReportedAtTheValue) {
  const auto root = ConfigNode::load_string("n: twelve\n", "x.yaml");
  EXPECT_EQ(error_of([&] { root.as_map().required("n").as_int(0, 100); }),
            "x.yaml:1:4: n: expected an integer, got 'twelve'");
}

TEST(ConfigNode, RangesAreEnforced) {
  const auto root = ConfigNode::load_string("n: 101\nd: 5ms\n", "x.yaml");
  auto map = root.as_map();
  EXPECT_NE(error_of([&] { map.required("n").as_int(0, 100); }).find("out of range [0, 100]"),
            std::string::npos);
  EXPECT_NE(error_of([&] { map.required("d").as_duration(10ms, 1s); }).find("out of range"),
            std::string::npos);
}

TEST(ConfigNode, HexIntegersAreAccepted) {
  const auto root = ConfigNode::load_string("mark: 0x10\n", "x.yaml");
  EXPECT_EQ(root.as_map().required("mark").as_int(0, 255), 16);
}

TEST(ConfigNode, DuplicateKeysAreRejected) {
  const auto root = ConfigNode::load_string("a: 1\na: 2\n", "x.yaml");
  EXPECT_EQ(error_of([&] { root.as_map(); }), "x.yaml:2:1: duplicate key 'a'");
}

TEST(ConfigNode, SyntaxErrorsCarryTheParserPosition) {
  const std::string error = error_of([] { ConfigNode::load_string("a: [1, 2\n", "x.yaml"); });
  EXPECT_EQ(error.rfind("x.yaml:", 0), 0u) << error;
}

TEST(ConfigNode, MissingFileIsAClearError) {
  EXPECT_EQ(error_of([] { ConfigNode::load_file("/nonexistent/pathwatch.yaml"); }),
            "/nonexistent/pathwatch.yaml: cannot open configuration file: No such file or "
            "directory");
}

TEST(ConfigNode, ADirectoryOrAFifoIsRefusedUnreadNotHung) {
  // Before: a directory gave "basic_filebuf::underflow error" (exit 1) and a FIFO hung in
  // open() until a writer came.
  char dir_template[] = "/tmp/pw-config-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  const std::string fifo = dir + "/fifo.yaml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(error_of([&] { ConfigNode::load_file(dir); }),
            dir + ": configuration file is a directory, not a regular file");
  EXPECT_EQ(error_of([&] { ConfigNode::load_file(fifo); }),
            fifo + ": configuration file is a FIFO, not a regular file");
  ::unlink(fifo.c_str());
  ::rmdir(dir.c_str());
}

TEST(ConfigNode, EnumListsTheChoices) {
  const auto root = ConfigNode::load_string("k: maybe\n", "x.yaml");
  EXPECT_EQ(error_of([&] {
              root.as_map().required("k").as_enum<int>({{"yes", 1}, {"no", 0}});
            }),
            "x.yaml:1:4: k: expected one of: yes, no; got 'maybe'");
}

TEST(ConfigNode, SequencePathsNameTheIndex) {
  const auto root = ConfigNode::load_string("l:\n  - 1\n  - x\n", "x.yaml");
  auto items = root.as_map().required("l").as_sequence();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(error_of([&] { items[1].as_int(0, 9); }),
            "x.yaml:3:5: l[1]: expected an integer, got 'x'");
}

TEST(ConfigNode, KeyWithoutValueIsNotMissing) {
  const auto root = ConfigNode::load_string("a:\n", "x.yaml");
  EXPECT_EQ(error_of([&] { root.as_map().required("a"); }), "x.yaml:1:1: key 'a' needs a value");
}

}  // namespace
}  // namespace pathwatch::shared
