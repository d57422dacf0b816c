// dbct-sqlserver's prerequisite messages: each missing one named with the statement that fixes
// it (Microsoft's sys.sp_cdc_enable_db / sys.sp_cdc_enable_table). The first of them also runs
// end to end in tests/integration/test_sqlserver_prerequisites.py.
#include <gtest/gtest.h>

#include "sqlserver/catalog.hpp"

namespace dbct::sqlserver {
namespace {

TEST(SqlServerPrerequisites, EachProblemSaysHowToFixIt) {
  EXPECT_EQ(DatabaseCdcProblem("CRM"), "CDC is not enabled on database \"CRM\": run USE [CRM]; EXEC sys.sp_cdc_enable_db; "
                                       "(as sysadmin)");
  EXPECT_EQ(DatabaseCdcProblem("a]b"), "CDC is not enabled on database \"a]b\": run USE [a]]b]; EXEC "
                                       "sys.sp_cdc_enable_db; (as sysadmin)");
  EXPECT_EQ(TableCdcProblem("dbo", "Customers"),
            "CDC is not enabled on table \"dbo.Customers\": run EXEC sys.sp_cdc_enable_table @source_schema = "
            "N'dbo', @source_name = N'Customers', @role_name = NULL;");
  EXPECT_EQ(AgentProblem("Stopped"),
            "SQL Server Agent is not running (is Stopped): start it, its CDC capture job fills the change tables");
  EXPECT_EQ(SnapshotIsolationProblem("CRM", "initial"),
            "snapshot isolation is off on database \"CRM\", and snapshotMode initial reads the tables under it: run "
            "ALTER DATABASE [CRM] SET ALLOW_SNAPSHOT_ISOLATION ON, or set snapshotMode to no_data");
}

}  // namespace
}  // namespace dbct::sqlserver
