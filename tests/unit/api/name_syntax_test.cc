#include "api/name_syntax.h"

#include "gtest/gtest.h"

namespace snapkeep::api {
namespace {

TEST(NameSyntaxTest, Dns1123Label) {
  EXPECT_TRUE(IsDns1123Label("a-b-1"));
  EXPECT_TRUE(IsDns1123Label(std::string(63, 'a')));
  EXPECT_FALSE(IsDns1123Label("-a"));
  EXPECT_FALSE(IsDns1123Label("a.b"));
  EXPECT_FALSE(IsDns1123Label(""));
  EXPECT_EQ(Dns1123LabelErrors(std::string(64, 'a')),
            std::vector<std::string>{"must be no more than 63 characters"});
  EXPECT_EQ(Dns1123LabelErrors("A").size(), 1u);
  EXPECT_EQ(Dns1123LabelErrors(std::string(64, 'A')).size(), 2u);
}

TEST(NameSyntaxTest, Dns1123SubdomainHasNoLimitPerLabel) {
  EXPECT_TRUE(IsDns1123Subdomain("a.b-c.d"));
  EXPECT_TRUE(IsDns1123Subdomain(std::string(64, 'a')));
  EXPECT_TRUE(IsDns1123Subdomain(std::string(100, 'a') + "." + std::string(152, 'b')));
  EXPECT_FALSE(IsDns1123Subdomain("a..b"));
  EXPECT_FALSE(IsDns1123Subdomain(".a"));
  EXPECT_FALSE(IsDns1123Subdomain("a."));
  EXPECT_FALSE(IsDns1123Subdomain("a-.b"));
  EXPECT_EQ(Dns1123SubdomainErrors(std::string(254, 'a')),
            std::vector<std::string>{"must be no more than 253 characters"});
}

TEST(NameSyntaxTest, QualifiedName) {
  EXPECT_TRUE(IsQualifiedName("app"));
  EXPECT_TRUE(IsQualifiedName("My_Name.x-1"));
  EXPECT_TRUE(IsQualifiedName("snapkeep.io/cluster"));
  EXPECT_TRUE(IsQualifiedName(std::string(64, 'a') + ".com/" + std::string(63, 'n')));
  EXPECT_FALSE(IsQualifiedName(""));
  EXPECT_FALSE(IsQualifiedName("/name"));
  EXPECT_FALSE(IsQualifiedName("prefix/"));
  EXPECT_FALSE(IsQualifiedName("a/b/c"));
  EXPECT_FALSE(IsQualifiedName("Upper.Case/name"));
  EXPECT_FALSE(IsQualifiedName("_a"));
  EXPECT_FALSE(IsQualifiedName(std::string("a\0b", 3)));
  EXPECT_FALSE(IsQualifiedName("caf\xc3\xa9"));
  EXPECT_EQ(QualifiedNameErrors(std::string(64, 'n')),
            std::vector<std::string>{"name part must be no more than 63 characters"});
  EXPECT_EQ(QualifiedNameErrors("/n"), std::vector<std::string>{"prefix part must be non-empty"});
  EXPECT_EQ(QualifiedNameErrors("p/"), std::vector<std::string>{"name part must be non-empty"});
}

TEST(NameSyntaxTest, LabelValue) {
  EXPECT_TRUE(IsLabelValue(""));
  EXPECT_TRUE(IsLabelValue("v1.2_x-Y"));
  EXPECT_TRUE(IsLabelValue(std::string(63, 'v')));
  EXPECT_FALSE(IsLabelValue(std::string(64, 'v')));
  EXPECT_FALSE(IsLabelValue("b=c"));
  EXPECT_FALSE(IsLabelValue("-v"));
  EXPECT_FALSE(IsLabelValue("a b"));
  EXPECT_FALSE(IsLabelValue(std::string(1, '\0')));
  EXPECT_FALSE(IsLabelValue("\xe2\x82\xac"));
}

// Validation runs on untrusted text of any size: no recursion per character.
TEST(NameSyntaxTest, LongInputsAreRejectedWithoutRecursion) {
  const std::string huge(2 << 20, 'a');
  EXPECT_FALSE(IsDns1123Subdomain(huge));
  EXPECT_FALSE(IsQualifiedName(huge));
  EXPECT_FALSE(IsLabelValue(huge));
}

}  // namespace
}  // namespace snapkeep::api
