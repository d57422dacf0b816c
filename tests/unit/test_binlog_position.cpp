// The resumable position string of the binlog sidecar and its default replica server id.
#include <gtest/gtest.h>

#include "binlog_connector.hpp"
#include "binlog_position.hpp"

using namespace dbct::binlog;

TEST(BinlogPosition, RoundTrips) {
  const BinlogPosition p{"mariadb-bin.000003", 1234, 5};
  EXPECT_EQ(p.ToString(), "mariadb-bin.000003:1234:5");
  const auto parsed = BinlogPosition::Parse("mariadb-bin.000003:1234:5");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->file, "mariadb-bin.000003");
  EXPECT_EQ(parsed->tx_start, 1234u);
  EXPECT_EQ(parsed->changes, 5u);
  // A file name may itself hold a colon; the last two fields are the numbers.
  EXPECT_EQ(BinlogPosition::Parse("dir:name.000001:4:0")->file, "dir:name.000001");
}

TEST(BinlogPosition, RejectsWhatIsNotAPosition) {
  for (const char* text : {"", "0/16B3748", "file:12", "file::3", ":1:2", "file:x:1", "file:1:-2",
                           "file:1:2 "}) {
    EXPECT_FALSE(BinlogPosition::Parse(text)) << text;
  }
}

TEST(BinlogPosition, DefaultServerIdIsStablePerName) {
  EXPECT_EQ(DefaultReplicaServerId("mysql-inventory"), DefaultReplicaServerId("mysql-inventory"));
  EXPECT_NE(DefaultReplicaServerId("mysql-inventory"), DefaultReplicaServerId("mysql-orders"));
  EXPECT_GE(DefaultReplicaServerId("a"), 5400u);
}

TEST(SnapshotPosition, RoundTripsAndIsNotABinlogPosition) {
  using dbct::binlog::BinlogPosition;
  using dbct::binlog::SnapshotPosition;
  const SnapshotPosition p{"mariadb-bin.000007", 1234, 2, 99};
  EXPECT_EQ(p.ToString(), "snapshot:mariadb-bin.000007:1234:2:99");
  auto back = SnapshotPosition::Parse(p.ToString());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->file, "mariadb-bin.000007");
  EXPECT_EQ(back->pos, 1234u);
  EXPECT_EQ(back->table_index, 2u);
  EXPECT_EQ(back->row, 99u);
  auto colon = SnapshotPosition::Parse("snapshot:dir:with:colons.000001:4:0:1");
  ASSERT_TRUE(colon);
  EXPECT_EQ(colon->file, "dir:with:colons.000001");
  EXPECT_FALSE(BinlogPosition::Parse(p.ToString()));
  EXPECT_FALSE(SnapshotPosition::Parse("mariadb-bin.000007:1234:2"));
  EXPECT_FALSE(SnapshotPosition::Parse("snapshot:f:1:2"));
  EXPECT_FALSE(SnapshotPosition::Parse("snapshot:f:1:x:2"));
}
