// The schema history's DDL follower, without a server: seeded definitions, then statements.
#include <gtest/gtest.h>

#include "schema_history.hpp"
#include "schema_history_store.hpp"

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

// A TABLE_MAP without optional metadata, as binlog_row_metadata=NO_LOG writes it.
TableMapEvent Map(const char* db, const char* table, std::vector<ColumnType> types) {
  TableMapEvent t;
  t.database = db;
  t.table = table;
  for (ColumnType type : types) {
    ColumnInfo c;
    c.type = c.real_type = type;
    t.columns.push_back(c);
  }
  return t;
}

std::vector<std::string> MapNames(const TableMapEvent& t) {
  std::vector<std::string> out;
  for (const auto& c : t.columns) out.push_back(c.name);
  return out;
}

TEST_F(SchemaHistoryTest, ColumnKindsFollowTheStatements) {
  // The seeded columns have no kind (not compared); ADD / MODIFY give them one.
  h.Apply("inv", "ALTER TABLE p MODIFY a INT, MODIFY b DATETIME(3), ADD s SET('x') , ADD g POINT");
  const TableDef* t = h.Find("inv", "p");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->columns[1].kind, ColumnKind::kNumeric);
  EXPECT_EQ(t->columns[2].kind, ColumnKind::kTemporal);
  EXPECT_EQ(t->columns[3].kind, ColumnKind::kSet);
  EXPECT_EQ(t->columns[4].kind, ColumnKind::kGeometry);
  EXPECT_TRUE(t->columns[4].point);
  h.Apply("inv", "ALTER TABLE p MODIFY COLUMN a VARCHAR(10) CHARACTER SET latin1");
  EXPECT_EQ(h.Find("inv", "p")->columns[1].kind, ColumnKind::kCharacter);
  EXPECT_EQ(h.Find("inv", "p")->columns[1].collation, 8);

  EXPECT_EQ(KindOfSqlType("longblob"), ColumnKind::kCharacter);
  EXPECT_EQ(KindOfSqlType("inet6"), ColumnKind::kUnknown);
  ColumnInfo e;
  e.type = ColumnType::kString;
  e.real_type = ColumnType::kEnum;
  EXPECT_EQ(KindOf(e), ColumnKind::kEnum);
  e.real_type = ColumnType::kString;
  EXPECT_EQ(KindOf(e), ColumnKind::kCharacter);
  for (auto k : {ColumnKind::kUnknown, ColumnKind::kNumeric, ColumnKind::kBit, ColumnKind::kTemporal,
                 ColumnKind::kCharacter, ColumnKind::kEnum, ColumnKind::kSet, ColumnKind::kGeometry})
    EXPECT_EQ(ParseColumnKind(ColumnKindName(k)), k);
}

TEST_F(SchemaHistoryTest, FillNamesColumnsAndRefusesAMissedTypeChange) {
  h.Apply("inv", "ALTER TABLE p MODIFY a VARCHAR(10), MODIFY b INT UNSIGNED", "bin.000001", 100);
  auto map = Map("inv", "p", {ColumnType::kLong, ColumnType::kVarchar, ColumnType::kLong});
  h.Fill(map, "bin.000001", 200);
  EXPECT_EQ(MapNames(map), (std::vector<std::string>{"id", "a", "b"}));
  EXPECT_TRUE(map.columns[2].is_unsigned);
  EXPECT_EQ(map.columns[1].collation, 45);
  ASSERT_EQ(map.primary_key, (std::vector<uint32_t>{0}));

  // Same column count, but column a is numeric in the binlog: a DDL was missed (no catalog
  // here to ask), so the event is refused rather than decoded with a's charset.
  auto changed = Map("inv", "p", {ColumnType::kLong, ColumnType::kLong, ColumnType::kLong});
  try {
    h.Fill(changed, "bin.000001", 300);
    FAIL() << "a kind mismatch was accepted";
  } catch (const SourceError& e) {
    EXPECT_NE(std::string(e.what()).find("column 2 (\"a\") is character in the schema history but "
                                         "numeric (INT) in the binlog at bin.000001:300"),
              std::string::npos)
        << e.what();
    EXPECT_FALSE(e.retriable());
  }
  auto fewer = Map("inv", "p", {ColumnType::kLong, ColumnType::kVarchar});
  EXPECT_THROW(h.Fill(fewer, "bin.000001", 300), SourceError);
}

TEST_F(SchemaHistoryTest, EveryChangeIsPersistedBeforeUse) {
  std::vector<HistoryEntry> stored;
  h.SetPersist([&](const HistoryEntry& e) { stored.push_back(e); });
  h.Apply("inv", "ALTER TABLE p ADD COLUMN c INT", "bin.000001", 500);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].kind, HistoryEntryKind::kStatement);
  EXPECT_EQ(stored[0].Position(), "bin.000001:500");
  EXPECT_EQ(stored[0].statement, "ALTER TABLE p ADD COLUMN c INT");
  ASSERT_EQ(stored[0].tables.size(), 1u);
  EXPECT_EQ(stored[0].tables[0].first, "inv.p");
  ASSERT_TRUE(stored[0].tables[0].second.has_value());
  EXPECT_EQ(stored[0].tables[0].second->columns.size(), 4u);
  // Statements about tables the history does not hold change nothing: nothing stored.
  h.Apply("inv", "ALTER TABLE untracked ADD COLUMN c INT", "bin.000001", 600);
  h.Apply("inv", "DROP TABLE IF EXISTS untracked", "bin.000001", 700);
  h.Apply("inv", "CREATE INDEX ix ON p (a)", "bin.000001", 800);
  EXPECT_EQ(stored.size(), 1u);
  h.Apply("inv", "RENAME TABLE p TO q", "bin.000002", 4);
  ASSERT_EQ(stored.size(), 2u);
  ASSERT_EQ(stored[1].tables.size(), 2u);
  EXPECT_EQ(stored[1].tables[0].first, "inv.p");
  EXPECT_FALSE(stored[1].tables[0].second.has_value());
  EXPECT_EQ(stored[1].tables[1].first, "inv.q");
  // A failing store ends the attempt: the caller rewinds from what was stored.
  h.SetPersist([](const HistoryEntry&) { throw SourceError("nats down", true); });
  EXPECT_THROW(h.Apply("inv", "DROP TABLE q", "bin.000002", 100), SourceError);
  EXPECT_EQ(h.Log().size(), 2u);
}

TEST_F(SchemaHistoryTest, EntriesRoundTripThroughJson) {
  HistoryEntry e;
  e.kind = HistoryEntryKind::kStatement;
  e.file = "mariadb-bin.000003";
  e.pos = 1234;
  e.database = "inv";
  e.statement = "ALTER TABLE p ADD e ENUM('a\"b','c')";
  TableDef def = *h.Find("inv", "p");
  def.columns[0].kind = ColumnKind::kNumeric;
  def.columns.push_back({"e", false, 45, {"a\"b", "c"}, false, ColumnKind::kEnum});
  def.columns.push_back({"g", false, -1, {}, true, ColumnKind::kGeometry});
  e.tables = {{"inv.p", def}, {"inv.gone", std::nullopt}};
  const HistoryEntry back = HistoryEntryFromJson(HistoryEntryToJson(e));
  EXPECT_EQ(back.kind, e.kind);
  EXPECT_EQ(back.Position(), "mariadb-bin.000003:1234");
  EXPECT_EQ(back.database, "inv");
  EXPECT_EQ(back.statement, e.statement);
  ASSERT_EQ(back.tables.size(), 2u);
  std::map<std::string, std::optional<TableDef>> tables(back.tables.begin(), back.tables.end());
  ASSERT_TRUE(tables["inv.p"].has_value());
  EXPECT_TRUE(*tables["inv.p"] == def);
  EXPECT_FALSE(tables["inv.gone"].has_value());

  EXPECT_THROW(HistoryEntryFromJson("{\"kind\":\"nonsense\"}"), SourceError);
  EXPECT_THROW(HistoryEntryFromJson("not json"), SourceError);
  EXPECT_EQ(SchemaHistorySubject("shop"), "dbchangetrackingschemahistory.shop");
}

TEST(BinlogFileOrder, NumericSuffixes) {
  EXPECT_LT(CompareBinlogFiles("bin.000009", "bin.000010"), 0);
  EXPECT_GT(CompareBinlogFiles("bin.1000000", "bin.999999"), 0);
  EXPECT_EQ(CompareBinlogFiles("bin.000010", "bin.000010"), 0);
  EXPECT_LT(CompareBinlogFiles("a.000002", "b.000001"), 0);
  HistoryEntry catalog{HistoryEntryKind::kCatalog, "bin.000002", 100, "", "", {}};
  HistoryEntry ddl{HistoryEntryKind::kStatement, "bin.000002", 100, "", "", {}};
  EXPECT_TRUE(EntryBefore(catalog, ddl));  // the state before the event, then the event's
  EXPECT_FALSE(EntryBefore(ddl, catalog));
}

// A restart replays the stored entries: up to the resume position at start, then each as the
// stream passes its event, so a backlog is decoded as on the first pass.
TEST_F(SchemaHistoryTest, ReplayedLogDecodesABacklogAsTheFirstPassDid) {
  std::vector<HistoryEntry> stored;
  h.SetPersist([&](const HistoryEntry& e) { stored.push_back(e); });
  HistoryEntry start{HistoryEntryKind::kCatalog, "bin.000001", 400, "", "", {}};
  start.tables = {{"inv.p", *h.Find("inv", "p")}};
  stored.push_back(start);
  h.Apply("inv", "ALTER TABLE p ADD COLUMN c INT", "bin.000001", 500);
  h.Apply("inv", "ALTER TABLE p RENAME COLUMN a TO aa", "bin.000001", 900);
  h.Apply("inv", "ALTER TABLE p DROP COLUMN b", "bin.000002", 4);
  ASSERT_EQ(stored.size(), 4u);

  SchemaHistory again;  // a new process: knows only what was stored
  std::vector<HistoryEntry> persisted_again;
  again.SetPersist([&](const HistoryEntry& e) { persisted_again.push_back(e); });
  std::vector<HistoryEntry> shuffled = {stored[3], stored[1], stored[0], stored[2]};
  again.SetLog(shuffled);
  EXPECT_FALSE(again.Covers("bin.000001", 300));
  EXPECT_TRUE(again.Covers("bin.000001", 400));
  EXPECT_TRUE(again.Covers("bin.000002", 4));
  again.RewindTo("bin.000001", 400);  // resume at the start: the catalog's state
  auto map = Map("inv", "p", {ColumnType::kLong, ColumnType::kVarchar, ColumnType::kLong});
  again.Fill(map, "bin.000001", 450);
  EXPECT_EQ(MapNames(map), (std::vector<std::string>{"id", "a", "b"}));
  // The stream passes the first ALTER: the stored entry is used, not derived again.
  EXPECT_TRUE(again.Advance("bin.000001", 500));
  map = Map("inv", "p",
            {ColumnType::kLong, ColumnType::kVarchar, ColumnType::kLong, ColumnType::kLong});
  EXPECT_FALSE(again.Advance("bin.000001", 600));
  again.Fill(map, "bin.000001", 600);
  EXPECT_EQ(MapNames(map), (std::vector<std::string>{"id", "a", "b", "c"}));
  EXPECT_TRUE(again.Advance("bin.000001", 900));  // the rename
  map = Map("inv", "p",
            {ColumnType::kLong, ColumnType::kVarchar, ColumnType::kLong, ColumnType::kLong});
  again.Fill(map, "bin.000001", 950);
  EXPECT_EQ(MapNames(map), (std::vector<std::string>{"id", "aa", "b", "c"}));
  EXPECT_TRUE(persisted_again.empty());

  // Resuming in the middle: the entries before the position, none after it.
  again.RewindTo("bin.000001", 700);
  map = Map("inv", "p",
            {ColumnType::kLong, ColumnType::kVarchar, ColumnType::kLong, ColumnType::kLong});
  again.Fill(map, "bin.000001", 700);
  EXPECT_EQ(MapNames(map), (std::vector<std::string>{"id", "a", "b", "c"}));
  again.RewindTo("bin.000003", 4);  // past everything (a later file)
  map = Map("inv", "p", {ColumnType::kLong, ColumnType::kVarchar, ColumnType::kLong});
  again.Fill(map, "bin.000003", 4);
  EXPECT_EQ(MapNames(map), (std::vector<std::string>{"id", "aa", "c"}));
  // A statement not stored before is derived and stored, in order.
  EXPECT_FALSE(again.Advance("bin.000003", 100));
  again.Apply("inv", "ALTER TABLE p DROP COLUMN c", "bin.000003", 100);
  ASSERT_EQ(persisted_again.size(), 1u);
  EXPECT_EQ(again.Log().back().Position(), "bin.000003:100");
}

// A catalog read stored in several messages counts only when all of them are there.
TEST_F(SchemaHistoryTest, CatalogReadInParts) {
  HistoryEntry first{HistoryEntryKind::kCatalog, "bin.000001", 4, "", "", {}};
  first.parts = 2;
  first.tables = {{"inv.p", *h.Find("inv", "p")}};
  HistoryEntry second = first;
  second.part = 1;
  second.tables = {{"inv.q", TableDef{{{"k", false, -1, {}, false, ColumnKind::kNumeric}}, {}, -1}}};
  const HistoryEntry back = HistoryEntryFromJson(HistoryEntryToJson(second));
  EXPECT_EQ(back.part, 1);
  EXPECT_EQ(back.parts, 2);

  SchemaHistory only_first;
  only_first.SetLog({first});
  EXPECT_FALSE(only_first.Covers("bin.000001", 4));  // the rest was never stored

  SchemaHistory both;
  both.SetLog({first, back});
  EXPECT_TRUE(both.Covers("bin.000001", 4));
  both.RewindTo("bin.000001", 4);
  ASSERT_NE(both.Find("inv", "p"), nullptr);  // part 1 adds to part 0
  ASSERT_NE(both.Find("inv", "q"), nullptr);
  EXPECT_EQ(both.Find("inv", "q")->columns[0].name, "k");
}

}  // namespace
}  // namespace dbct::binlog
