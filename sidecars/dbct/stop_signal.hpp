// SIGINT/SIGTERM as a flag that long-running commands (tail, logs -f, run) poll.
#ifndef DBCT_CLI_STOP_SIGNAL_HPP
#define DBCT_CLI_STOP_SIGNAL_HPP

namespace dbct::cli {

// Installs handlers for SIGINT and SIGTERM that only record the signal (no SA_RESTART, so a
// blocking sleep or wait returns early), and ignores SIGPIPE so a closed stdout shows up as a
// write error instead of killing the process.
void InstallStopHandlers();
bool StopRequested();
// The signal that asked to stop, 0 when none.
int StopSignalNumber();

}  // namespace dbct::cli

#endif  // DBCT_CLI_STOP_SIGNAL_HPP
