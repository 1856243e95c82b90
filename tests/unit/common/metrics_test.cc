#include "common/metrics.h"

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace snapkeep {
namespace {

TEST(MetricsTest, RendersTextFormat004) {
  MetricsRegistry r;
  auto backups = r.AddCounter("snapkeep_backup_successes_total", "Backups that completed.",
                              {"namespace", "config"});
  auto running = r.AddGauge("snapkeep_backups_running", "Running backups.");
  ASSERT_TRUE(backups.ok() && running.ok());
  (*backups)->Increment({"cluster-b", "daily"});
  (*backups)->Increment({"cluster-a", "daily"}, 2);
  (*backups)->Increment({"cluster-a", "daily"}, -5);  // ignored: counters only go up
  (*running)->Set({}, 3);
  EXPECT_EQ(r.Render(),
            "# HELP snapkeep_backup_successes_total Backups that completed.\n"
            "# TYPE snapkeep_backup_successes_total counter\n"
            "snapkeep_backup_successes_total{namespace=\"cluster-a\",config=\"daily\"} 2\n"
            "snapkeep_backup_successes_total{namespace=\"cluster-b\",config=\"daily\"} 1\n"
            "# HELP snapkeep_backups_running Running backups.\n"
            "# TYPE snapkeep_backups_running gauge\n"
            "snapkeep_backups_running 3\n");
}

TEST(MetricsTest, EscapesHelpAndLabelValuesAndSpecialValues) {
  MetricsRegistry r;
  auto g = r.AddGauge("g", "a \\ back\nslash \"quoted\"", {"l"});
  ASSERT_TRUE(g.ok());
  (*g)->Set({"x\"y\\z\nw"}, 0.5);
  (*g)->Set({"nan"}, std::nan(""));
  (*g)->Set({"inf"}, std::numeric_limits<double>::infinity());
  (*g)->Set({"ninf"}, -std::numeric_limits<double>::infinity());
  (*g)->Set({"ts"}, 1615859280);
  EXPECT_EQ(r.Render(),
            "# HELP g a \\\\ back\\nslash \"quoted\"\n"
            "# TYPE g gauge\n"
            "g{l=\"inf\"} +Inf\n"
            "g{l=\"nan\"} Nan\n"  // prometheus-cpp's spelling; Prometheus reads either
            "g{l=\"ninf\"} -Inf\n"
            "g{l=\"ts\"} 1615859280\n"
            "g{l=\"x\\\"y\\\\z\\nw\"} 0.5\n");
}

TEST(MetricsTest, RejectsBadAndDuplicateNames) {
  MetricsRegistry r;
  EXPECT_TRUE(absl::IsInvalidArgument(r.AddGauge("9lives", "").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(r.AddGauge("a-b", "").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(r.AddGauge("ok", "", {"__reserved"}).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(r.AddGauge("ok", "", {"a:b"}).status()));
  ASSERT_TRUE(r.AddCounter("ns:ok_total", "").ok());
  EXPECT_TRUE(absl::IsAlreadyExists(r.AddGauge("ns:ok_total", "").status()));
}

TEST(MetricsTest, WrongLabelCountIsIgnoredAndSeriesCanBeRemoved) {
  MetricsRegistry r;
  auto g = r.AddGauge("g", "h", {"namespace", "config"});
  ASSERT_TRUE(g.ok());
  (*g)->Set({"only-one"}, 1);
  EXPECT_EQ(r.Render(), "");
  (*g)->Set({"a", "x"}, 1);
  (*g)->Set({"a", "y"}, 2);
  (*g)->Set({"b", "x"}, 3);
  (*g)->Add({"b", "x"}, 1);
  EXPECT_EQ((*g)->Value({"b", "x"}), 4);
  (*g)->Remove({"a", "x"});
  EXPECT_EQ((*g)->Value({"a", "x"}), 0);
  (*g)->Remove({"a", "x"});  // gone already: nothing happens
  (*g)->Remove({"a", "y"});
  (*g)->Remove({"b", "x"});
  EXPECT_EQ(r.Render(), "");
}

TEST(MetricsTest, FunctionGaugeIsReadAtRender) {
  MetricsRegistry r;
  double depth = 7;
  ASSERT_TRUE(
      r.AddGaugeFunction("snapkeep_queue_depth", "Keys ready.", [&] { return depth; }).ok());
  EXPECT_EQ(r.Render(),
            "# HELP snapkeep_queue_depth Keys ready.\n# TYPE snapkeep_queue_depth gauge\n"
            "snapkeep_queue_depth 7\n");
  depth = 8;
  EXPECT_NE(r.Render().find("snapkeep_queue_depth 8\n"), std::string::npos);
}

TEST(MetricsTest, FamiliesAreSortedByNameWhateverTheRegistrationOrder) {
  MetricsRegistry r;
  auto c = r.AddCounter("c_total", "C.", {"z", "a"});
  ASSERT_TRUE(r.AddGaugeFunction("b", "B.", [] { return 2.5; }).ok());
  auto a = r.AddGauge("a", "A.");
  ASSERT_TRUE(c.ok() && a.ok());
  (*c)->Increment({"2", "x"});
  (*c)->Increment({"10", "y"});
  (*a)->Set({}, 1);
  EXPECT_EQ(r.Render(),
            "# HELP a A.\n# TYPE a gauge\na 1\n"
            "# HELP b B.\n# TYPE b gauge\nb 2.5\n"
            "# HELP c_total C.\n# TYPE c_total counter\n"
            "c_total{z=\"10\",a=\"y\"} 1\n"
            "c_total{z=\"2\",a=\"x\"} 1\n");
}

TEST(MetricsTest, ConcurrentUpdatesAreCounted) {
  MetricsRegistry r;
  auto c = r.AddCounter("c_total", "h", {"k"});
  ASSERT_TRUE(c.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        (*c)->Increment({"k"});
        if (i % 100 == 0) r.Render();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ((*c)->Value({"k"}), 4000);
}

}  // namespace
}  // namespace snapkeep
