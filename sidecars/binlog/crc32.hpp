// CRC-32 (ISO-HDLC, the zlib polynomial) as the binlog's binlog_checksum=CRC32 uses it.
#ifndef DBCT_BINLOG_CRC32_HPP
#define DBCT_BINLOG_CRC32_HPP

#include <cstdint>
#include <string_view>

namespace dbct::binlog {

uint32_t Crc32(std::string_view bytes, uint32_t crc = 0);

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_CRC32_HPP
