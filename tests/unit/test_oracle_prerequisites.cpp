// dbct-oracle's prerequisite judgements on what V$DATABASE, SESSION_PRIVS and ALL_LOG_GROUPS
// return (Oracle's documented values): each missing one is named with the statement that fixes it.
#include <gtest/gtest.h>

#include "oracle/catalog.hpp"

namespace dbct::oracle {
namespace {

TEST(OraclePrerequisites, ArchivelogAndMinimalSupplementalLogging) {
  std::vector<std::string> problems;
  JudgeDatabaseLogging("ARCHIVELOG", "YES", &problems);
  JudgeDatabaseLogging("ARCHIVELOG", "IMPLICIT", &problems);
  EXPECT_TRUE(problems.empty());
  JudgeDatabaseLogging("NOARCHIVELOG", "NO", &problems);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0],
            "the database must be in ARCHIVELOG mode (is NOARCHIVELOG): as SYSDBA run SHUTDOWN IMMEDIATE; STARTUP "
            "MOUNT; ALTER DATABASE ARCHIVELOG; ALTER DATABASE OPEN;");
  EXPECT_EQ(problems[1],
            "minimal supplemental logging is off (SUPPLEMENTAL_LOG_DATA_MIN is NO): run ALTER DATABASE ADD "
            "SUPPLEMENTAL LOG DATA;");
}

TEST(OraclePrerequisites, LogMinerPrivilegesAreNamedOneByOne) {
  std::vector<std::string> problems;
  JudgePrivileges("DBZUSER", {"CREATE SESSION", "LOGMINING", "SELECT ANY TRANSACTION", "SELECT ANY DICTIONARY"}, true,
                  &problems);
  EXPECT_TRUE(problems.empty());
  JudgePrivileges("DBZUSER", {"CREATE SESSION", "LOGMINING"}, false, &problems);
  EXPECT_EQ(problems, (std::vector<std::string>{
                          "user DBZUSER lacks the privilege SELECT ANY TRANSACTION: run GRANT SELECT ANY TRANSACTION "
                          "TO DBZUSER;",
                          "user DBZUSER lacks the privilege SELECT ANY DICTIONARY: run GRANT SELECT ANY DICTIONARY "
                          "TO DBZUSER;",
                          "user DBZUSER may not run DBMS_LOGMNR: run GRANT EXECUTE ON DBMS_LOGMNR TO DBZUSER;"}));
}

TEST(OraclePrerequisites, TableWithoutAllColumnsLogging) {
  EXPECT_EQ(TableLoggingProblem("CRM.CUSTOMERS"),
            "supplemental logging of all columns is off for table CRM.CUSTOMERS: run ALTER TABLE CRM.CUSTOMERS ADD "
            "SUPPLEMENTAL LOG DATA (ALL) COLUMNS;");
}

}  // namespace
}  // namespace dbct::oracle
