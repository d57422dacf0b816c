// The schema history's DDL follower, without a server: seeded definitions, then statements.
#include <gtest/gtest.h>

#include "schema_history.hpp"

namespace dbct::binlog {
namespace {

class SchemaHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h.AddCollation("latin1_swedish_ci", "latin1", 8, true);
    h.AddCollation("utf8mb4_general_ci", "utf8mb4", 45, true);
    h.AddCollation("utf8mb4_bin", "utf8mb4", 46, false);
    h.AddCollation("utf8mb3_general_ci", "utf8mb3", 33, true);
    TableDef def;
    def.columns = {
        {"id", false, -1, {}, false}, {"a", false, 8, {}, false}, {"b", true, -1, {}, false}};
    def.primary_key = {"id"};
    def.default_collation = 45;
    h.Define("inv", "p", def);
  }

  std::vector<std::string> Names(const char* db = "inv", const char* table = "p") {
    std::vector<std::string> out;
    const TableDef* t = h.Find(db, table);
    if (t == nullptr) return {"<unknown>"};
    for (const auto& c : t->columns) out.push_back(c.name);
    return out;
  }

  SchemaHistory h;
};

TEST_F(SchemaHistoryTest, AddDropModifyChangeRename) {
  h.Apply("inv", "ALTER TABLE p ADD COLUMN c VARCHAR(5) AFTER id");
  EXPECT_EQ(Names(), (std::vector<std::string>{"id", "c", "a", "b"}));
  EXPECT_EQ(h.Find("inv", "p")->columns[1].collation, 45);  // the table's default
  h.Apply("other",
          "alter table inv.`p` add d int unsigned first, add e enum('x','y''z') "
          "character set latin1");
  EXPECT_EQ(Names(), (std::vector<std::string>{"d", "id", "c", "a", "b", "e"}));
  EXPECT_TRUE(h.Find("inv", "p")->columns[0].is_unsigned);
  EXPECT_EQ(h.Find("inv", "p")->columns[5].enum_values, (std::vector<std::string>{"x", "y'z"}));
  EXPECT_EQ(h.Find("inv", "p")->columns[5].collation, 8);
  h.Apply("inv", "ALTER TABLE p DROP COLUMN b, DROP d, ALGORITHM=INPLACE, LOCK=NONE");
  EXPECT_EQ(Names(), (std::vector<std::string>{"id", "c", "a", "e"}));
  h.Apply("inv", "ALTER TABLE p MODIFY a TEXT COLLATE utf8mb4_bin NOT NULL DEFAULT 'after' FIRST");
  EXPECT_EQ(Names(), (std::vector<std::string>{"a", "id", "c", "e"}));
  EXPECT_EQ(h.Find("inv", "p")->columns[0].collation, 46);
  h.Apply("inv", "ALTER TABLE p CHANGE COLUMN id ident BIGINT UNSIGNED, RENAME COLUMN c TO cc");
  EXPECT_EQ(Names(), (std::vector<std::string>{"a", "ident", "cc", "e"}));
  EXPECT_EQ(h.Find("inv", "p")->primary_key, (std::vector<std::string>{"ident"}));
  h.Apply("inv", "ALTER TABLE p DROP PRIMARY KEY, ADD PRIMARY KEY (cc(3), ident)");
  EXPECT_EQ(h.Find("inv", "p")->primary_key, (std::vector<std::string>{"cc", "ident"}));
  h.Apply("inv",
          "ALTER TABLE p ADD INDEX ix (a(10)), ADD CONSTRAINT fk FOREIGN KEY (e) REFERENCES x (y)");
  EXPECT_EQ(Names(), (std::vector<std::string>{"a", "ident", "cc", "e"}));
  h.Apply("inv", "ALTER TABLE p BLOB_FORMAT_UNKNOWN_CLAUSE");
  EXPECT_EQ(Names(), (std::vector<std::string>{"<unknown>"}));  // not understood: forgotten
}

TEST_F(SchemaHistoryTest, TableRenamesDropsAndCreates) {
  h.Apply("inv", "RENAME TABLE p TO q");
  EXPECT_EQ(Names("inv", "p"), (std::vector<std::string>{"<unknown>"}));
  EXPECT_EQ(Names("inv", "q"), (std::vector<std::string>{"id", "a", "b"}));
  h.Apply("inv", "ALTER TABLE q RENAME TO other.r");
  EXPECT_EQ(Names("other", "r"), (std::vector<std::string>{"id", "a", "b"}));
  h.Apply("x", "/* comment */ DROP TABLE IF EXISTS other.r, inv.zz");
  EXPECT_EQ(Names("other", "r"), (std::vector<std::string>{"<unknown>"}));
  h.Define("inv", "p", TableDef{});
  h.Apply("inv", "CREATE OR REPLACE TABLE p (id INT)");
  EXPECT_EQ(Names(), (std::vector<std::string>{"<unknown>"}));  // read from the catalog when needed
  h.Define("inv", "p", TableDef{});
  h.Apply("inv", "CREATE TEMPORARY TABLE p (id INT)");
  EXPECT_NE(h.Find("inv", "p"), nullptr);
}

TEST_F(SchemaHistoryTest, UnknownTypeOrCharsetForgetsTheTable) {
  h.Apply("inv", "ALTER TABLE p ADD COLUMN z SOMETYPE");
  EXPECT_EQ(h.Find("inv", "p"), nullptr);
  SetUp();
  h.Apply("inv", "ALTER TABLE p ADD COLUMN z VARCHAR(3) CHARACTER SET klingon");
  EXPECT_EQ(h.Find("inv", "p"), nullptr);
  SetUp();
  h.Apply("inv", "ALTER TABLE p CONVERT TO CHARACTER SET utf8mb4");
  EXPECT_EQ(h.Find("inv", "p"), nullptr);
  SetUp();
  h.Apply("inv", "ALTER TABLE p DEFAULT CHARSET=latin1, ADD COLUMN y CHAR(2)");
  ASSERT_NE(h.Find("inv", "p"), nullptr);
  EXPECT_EQ(h.Find("inv", "p")->columns.back().collation, 8);
}

}  // namespace
}  // namespace dbct::binlog
