#include "cli/manifest_reader.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace snapkeep::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A temp folder removed when the test ends.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("snapkeep-manifest-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  void Write(const std::string& name, const std::string& text) const {
    fs::create_directories((path_ / name).parent_path());
    std::ofstream(path_ / name) << text;
  }

 private:
  fs::path path_;
};

std::vector<std::string> Names(const ManifestSet& set) {
  std::vector<std::string> out;
  for (const auto& m : set.objects) out.push_back(m.object["metadata"]["name"]);
  return out;
}

TEST(ParseManifestTextTest, MultiDocumentYamlSkipsEmptyDocuments) {
  auto docs = ParseManifestText(
      "---\n# only a comment\n---\nkind: A\nmetadata: {name: a}\n---\n---\n"
      "kind: B\nmetadata: {name: b}\n...\n");
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[0]["kind"], "A");
  EXPECT_EQ((*docs)[1]["kind"], "B");
}

TEST(ParseManifestTextTest, ExpandsListsRecursively) {
  auto docs = ParseManifestText(R"(apiVersion: v1
kind: List
items:
- kind: A
  metadata: {name: a}
- apiVersion: v1
  kind: SecretList
  items:
  - kind: Secret
    metadata: {name: s}
)");
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[1]["kind"], "Secret");
}

TEST(ParseManifestTextTest, JsonObjectAndList) {
  auto one = ParseManifestText(R"({"kind": "A", "metadata": {"name": "a"}})");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);
  auto list = ParseManifestText(
      R"({"kind": "List", "apiVersion": "v1", "items": [{"kind": "A"}, {"kind": "B"}]})");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
}

TEST(ParseManifestTextTest, EmptyInputHasNoObjects) {
  auto docs = ParseManifestText("  \n# nothing\n");
  ASSERT_TRUE(docs.ok());
  EXPECT_TRUE(docs->empty());
}

TEST(ParseManifestTextTest, ErrorsNameTheProblem) {
  auto bad_yaml = ParseManifestText("kind: A\nspec: [unclosed\n");
  ASSERT_FALSE(bad_yaml.ok());
  EXPECT_NE(bad_yaml.status().message().find("line"), std::string::npos);
  auto scalar = ParseManifestText("kind: A\n---\njust text\n");
  ASSERT_FALSE(scalar.ok());
  EXPECT_NE(scalar.status().message().find("document 2"), std::string::npos);
}

TEST(ReadManifestsTest, FolderInNameOrderSkippingOtherFilesAndSubfolders) {
  TempDir dir;
  dir.Write("20-b.yaml", "kind: X\nmetadata: {name: b}\n");
  dir.Write("10-a.yml", "kind: X\nmetadata: {name: a}\n---\nkind: X\nmetadata: {name: a2}\n");
  dir.Write("30-c.json", R"({"kind": "X", "metadata": {"name": "c"}})");
  dir.Write("README.md", "not a manifest");
  dir.Write("sub/40-d.yaml", "kind: X\nmetadata: {name: d}\n");
  std::istringstream no_stdin;
  ManifestSet set = ReadManifests({dir.path().string()}, /*recursive=*/false, no_stdin);
  EXPECT_TRUE(set.errors.empty());
  EXPECT_EQ(Names(set), (std::vector<std::string>{"a", "a2", "b", "c"}));
  EXPECT_EQ(set.objects[0].source, (dir.path() / "10-a.yml").string());

  ManifestSet recursive = ReadManifests({dir.path().string()}, /*recursive=*/true, no_stdin);
  EXPECT_EQ(Names(recursive), (std::vector<std::string>{"a", "a2", "b", "c", "d"}));
}

TEST(ReadManifestsTest, StdinAndFilesInArgumentOrder) {
  TempDir dir;
  dir.Write("file.txt", "kind: X\nmetadata: {name: from-file}\n");
  std::istringstream in("kind: X\nmetadata: {name: from-stdin}\n");
  ManifestSet set = ReadManifests({"-", (dir.path() / "file.txt").string(), "-"}, false, in);
  EXPECT_TRUE(set.errors.empty());
  EXPECT_EQ(Names(set), (std::vector<std::string>{"from-stdin", "from-file"}));
  EXPECT_EQ(set.objects[0].source, "-");
}

TEST(ReadManifestsTest, BadSourcesAreReportedAndOthersStillRead) {
  TempDir dir;
  dir.Write("a.yaml", "kind: X\nmetadata: {name: a}\n");
  dir.Write("b.yaml", "kind: [broken\n");
  std::istringstream no_stdin;
  ManifestSet set =
      ReadManifests({(dir.path() / "missing.yaml").string(), dir.path().string()}, false, no_stdin);
  EXPECT_EQ(Names(set), (std::vector<std::string>{"a"}));
  ASSERT_EQ(set.errors.size(), 2u);
  EXPECT_NE(set.errors[0].find("does not exist"), std::string::npos);
  EXPECT_NE(set.errors[1].find("b.yaml"), std::string::npos);
}

}  // namespace
}  // namespace snapkeep::cli
