// Debezium value formatting. Expected values come from Debezium's documentation
// (connectors/postgresql.adoc, "Data type mappings") and from the expectations in Debezium's
// own PostgreSQL tests (AbstractRecordsProducerTest: schemaAndValuesForBinTypes,
// schemaAndValuesForDateTimeTypes, schemasAndValuesForNumericTypes, ...), cited per test.
// Base64 of two's-complement bytes was cross-checked with Python's int.to_bytes(signed=True).
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "dbct/envelope/json_writer.hpp"
#include "dbct/values/binary.hpp"
#include "dbct/values/modes.hpp"
#include "dbct/values/numeric.hpp"
#include "dbct/values/temporal.hpp"

using dbct::envelope::JsonWriter;
using namespace dbct::values;

namespace {

std::string Json(const std::function<void(JsonWriter&)>& write) {
  JsonWriter w;
  write(w);
  EXPECT_TRUE(nlohmann::json::accept(w.Str())) << w.Str();  // valid JSON on its own
  return w.Str();
}

std::string Dec(std::string_view text, int32_t scale, DecimalMode mode) {
  return Json([&](JsonWriter& w) { WriteDecimal(w, text, scale, mode); });
}

int64_t Micros(int64_t y, int mo, int d, int h, int mi, int s, int64_t us) {
  return DaysFromCivil(y, mo, d) * kMicrosPerDay + ((h * 60 + mi) * 60 + s) * kMicrosPerSecond + us;
}

}  // namespace

// ---- decimal ------------------------------------------------------------------------------

// AbstractRecordsProducerTest.schemasAndValuesForNumericTypes: numeric(3,2) 1.1 -> Decimal 1.10,
// numeric(4,0) 10 -> 10, numeric(6,4) 22.22 -> 22.2200.
TEST(DecimalPrecise, DeclaredScaleIsBase64OfUnscaledValue) {
  EXPECT_EQ(Dec("1.10", 2, DecimalMode::kPrecise), "\"bg==\"");  // 110
  EXPECT_EQ(Dec("1.1", 2, DecimalMode::kPrecise), "\"bg==\"");   // rescaled to 1.10
  EXPECT_EQ(Dec("10", 0, DecimalMode::kPrecise), "\"Cg==\"");
  EXPECT_EQ(Dec("22.22", 4, DecimalMode::kPrecise), "\"A2P4\"");  // 22.2200 -> 222200
}

TEST(DecimalPrecise, TwosComplementEdges) {
  // Java BigInteger.toByteArray: minimal bytes with a sign bit.
  EXPECT_EQ(Dec("0", 0, DecimalMode::kPrecise), "\"AA==\"");
  EXPECT_EQ(Dec("0.00", 2, DecimalMode::kPrecise), "\"AA==\"");
  EXPECT_EQ(Dec("-0.00", 2, DecimalMode::kPrecise), "\"AA==\"");
  EXPECT_EQ(Dec("-123.45", 2, DecimalMode::kPrecise), "\"z8c=\"");  // -12345 = 0xCFC7
  EXPECT_EQ(Dec("-0.5", 2, DecimalMode::kPrecise), "\"zg==\"");     // -50 = 0xCE
  EXPECT_EQ(Dec("-0.5", 1, DecimalMode::kPrecise), "\"+w==\"");     // -5 = 0xFB
  EXPECT_EQ(Dec("128", 0, DecimalMode::kPrecise), "\"AIA=\"");      // 0x0080
  EXPECT_EQ(Dec("255", 0, DecimalMode::kPrecise), "\"AP8=\"");
  EXPECT_EQ(Dec("-128", 0, DecimalMode::kPrecise), "\"gA==\"");
  EXPECT_EQ(Dec("-129", 0, DecimalMode::kPrecise), "\"/38=\"");
  EXPECT_EQ(Dec("-256", 0, DecimalMode::kPrecise), "\"/wA=\"");
  EXPECT_EQ(Dec("+1", 0, DecimalMode::kPrecise), "\"AQ==\"");
  EXPECT_EQ(Dec("007.50", 2, DecimalMode::kPrecise), "\"Au4=\"");  // 750
}

TEST(DecimalPrecise, ArbitraryPrecisionDoesNotOverflow) {
  EXPECT_EQ(Dec("10000000000000000000000000000000000000000", 0, DecimalMode::kPrecise),
            "\"HWMp8cNcpL+rufVhAAAAAAA=\"");
  EXPECT_EQ(Dec("-100000000000000000000.00000000000000000000", 20, DecimalMode::kPrecise),
            "\"4pzWDjyjW0BURgqfAAAAAAA=\"");
  EXPECT_EQ(Dec(std::string(100, '9'), 0, DecimalMode::kPrecise),
            "\"EkmtJZTDfOsLJ4TEzgvzis5AjiEafKqyQwioLo8P////////////////\"");
  EXPECT_EQ(Dec("-1" + std::string(60, '0'), 0, DecimalMode::kPrecise),
            "\"/2Cw2NnoZd26/iidvdNrmm8m8AAAAAAAAAA=\"");
}

TEST(DecimalPrecise, ExtraDigitsRoundHalfUp) {
  EXPECT_EQ(Dec("1.005", 2, DecimalMode::kString), "\"1.01\"");
  EXPECT_EQ(Dec("9.995", 2, DecimalMode::kString), "\"10.00\"");
  EXPECT_EQ(Dec("-1.004", 2, DecimalMode::kString), "\"-1.00\"");
}

// AbstractRecordsProducerTest: numeric without scale 10.1111 -> VariableScaleDecimal
// {scale 4, 101111}, 22.2222 -> {4, 222222}, 10 -> {0, 10}; trailing zeros are stripped.
TEST(DecimalPrecise, VariableScaleDecimalStruct) {
  EXPECT_EQ(Dec("10.1111", kVariableScale, DecimalMode::kPrecise), R"({"scale":4,"value":"AYr3"})");
  EXPECT_EQ(Dec("22.2222", kVariableScale, DecimalMode::kPrecise), R"({"scale":4,"value":"A2QO"})");
  EXPECT_EQ(Dec("10", kVariableScale, DecimalMode::kPrecise), R"({"scale":0,"value":"Cg=="})");
  EXPECT_EQ(Dec("10.0000", kVariableScale, DecimalMode::kPrecise), R"({"scale":0,"value":"Cg=="})");
  EXPECT_EQ(Dec("100", kVariableScale, DecimalMode::kPrecise), R"({"scale":0,"value":"ZA=="})");
  EXPECT_EQ(Dec("0.000", kVariableScale, DecimalMode::kPrecise), R"({"scale":0,"value":"AA=="})");
  EXPECT_EQ(Dec("-123.450", kVariableScale, DecimalMode::kPrecise), R"({"scale":2,"value":"z8c="})");
}

// SpecialValueDecimal.fromLogical: precise mode cannot carry NaN/Infinity (Debezium throws).
TEST(DecimalPrecise, NaNIsAnErrorThatSaysWhatToDo) {
  for (const char* text : {"NaN", "Infinity", "-Infinity"}) {
    for (int32_t scale : {2, kVariableScale}) {
      try {
        (void)Dec(text, scale, DecimalMode::kPrecise);
        FAIL() << text << " was accepted";
      } catch (const ValueError& e) {
        EXPECT_NE(std::string(e.what()).find("decimal handling mode to string"), std::string::npos);
      }
    }
  }
}

// schemasAndValuesForStringEncodedNumericTypes: "1.10", "10", "10.1111", "22.2200", "NAN";
// ...WithInfinity: "POSITIVE_INFINITY", "NEGATIVE_INFINITY".
TEST(DecimalString, PlainTextAndDebeziumSpecialNames) {
  EXPECT_EQ(Dec("1.1", 2, DecimalMode::kString), "\"1.10\"");
  EXPECT_EQ(Dec("10", 0, DecimalMode::kString), "\"10\"");
  EXPECT_EQ(Dec("10.1111", kVariableScale, DecimalMode::kString), "\"10.1111\"");
  EXPECT_EQ(Dec("22.22", 4, DecimalMode::kString), "\"22.2200\"");
  EXPECT_EQ(Dec("-0.5", 3, DecimalMode::kString), "\"-0.500\"");
  EXPECT_EQ(Dec("-0.00", 2, DecimalMode::kString), "\"0.00\"");
  EXPECT_EQ(Dec(".5", kVariableScale, DecimalMode::kString), "\"0.5\"");
  EXPECT_EQ(Dec("NaN", 2, DecimalMode::kString), "\"NAN\"");
  EXPECT_EQ(Dec("NaN", kVariableScale, DecimalMode::kString), "\"NAN\"");
  EXPECT_EQ(Dec("Infinity", kVariableScale, DecimalMode::kString), "\"POSITIVE_INFINITY\"");
  EXPECT_EQ(Dec("-Infinity", kVariableScale, DecimalMode::kString), "\"NEGATIVE_INFINITY\"");
  const std::string big = "123456789012345678901234567890.123456789";
  EXPECT_EQ(Dec(big, kVariableScale, DecimalMode::kString), "\"" + big + "\"");
}

TEST(DecimalDouble, NumberOrNonFiniteString) {
  EXPECT_EQ(Dec("1.1", 2, DecimalMode::kDouble), "1.1");
  EXPECT_EQ(Dec("-123.45", 2, DecimalMode::kDouble), "-123.45");
  EXPECT_EQ(Dec("10", 0, DecimalMode::kDouble), "10.0");
  EXPECT_EQ(Dec("-0.00", 2, DecimalMode::kDouble), "0.0");
  EXPECT_EQ(Dec("NaN", kVariableScale, DecimalMode::kDouble), "\"NaN\"");
  EXPECT_EQ(Dec("Infinity", 2, DecimalMode::kDouble), "\"Infinity\"");
  EXPECT_EQ(Dec("-Infinity", 2, DecimalMode::kDouble), "\"-Infinity\"");
  EXPECT_EQ(Dec("1" + std::string(400, '0'), 0, DecimalMode::kDouble), "\"Infinity\"");
}

TEST(Decimal, BadTextIsRejectedWithItsValue) {
  for (const char* text : {"", "-", "1.2.3", "12a", "1e5", " 1"}) {
    try {
      (void)Dec(text, 2, DecimalMode::kString);
      FAIL() << "accepted \"" << text << "\"";
    } catch (const ValueError& e) {
      EXPECT_NE(std::string(e.what()).find("invalid decimal value"), std::string::npos);
    }
  }
}

// schemaAndValuesForMoneyTypes: '$1234.11' -> Decimal(2) 1234.11; '($1234.11)' -> -1234.11.
TEST(Money, DecimalWithMoneyFractionDigits) {
  auto money = [](std::string_view text, int32_t digits, DecimalMode mode) {
    return Json([&](JsonWriter& w) { WriteMoney(w, text, digits, mode); });
  };
  EXPECT_EQ(money("1234.11", 2, DecimalMode::kPrecise), "\"AeIT\"");
  EXPECT_EQ(money("-1234.11", 2, DecimalMode::kPrecise), "\"/h3t\"");
  EXPECT_EQ(money("1234.105", 2, DecimalMode::kPrecise), "\"AeIT\"");  // HALF_UP 1234.11
  EXPECT_EQ(money("1234.11", 2, DecimalMode::kDouble), "1234.11");
  EXPECT_EQ(money("1234.11", 2, DecimalMode::kString), "\"1234.11\"");
}

TEST(UnsignedBigint, LongOverflowsAndPreciseIsExact) {
  auto ub = [](uint64_t v, BigintUnsignedMode mode) {
    return Json([&](JsonWriter& w) { WriteUnsignedBigint(w, v, mode); });
  };
  EXPECT_EQ(ub(18446744073709551615ULL, BigintUnsignedMode::kLong), "-1");
  EXPECT_EQ(ub(18446744073709551615ULL, BigintUnsignedMode::kPrecise), "\"AP//////////\"");
  EXPECT_EQ(ub(1, BigintUnsignedMode::kPrecise), "\"AQ==\"");
}

TEST(Modes, ParseDebeziumNames) {
  EXPECT_EQ(ParseDecimalMode("string"), DecimalMode::kString);
  EXPECT_EQ(ParseTimePrecisionMode("adaptive_time_microseconds"),
            TimePrecisionMode::kAdaptiveTimeMicroseconds);
  EXPECT_EQ(ParseBinaryMode("base64-url-safe"), BinaryMode::kBase64UrlSafe);
  EXPECT_EQ(ParseIntervalMode("string"), IntervalMode::kString);
  EXPECT_EQ(ParseBigintUnsignedMode("precise"), BigintUnsignedMode::kPrecise);
  EXPECT_THROW(ParseDecimalMode("exact"), ValueError);
  try {
    ParseBinaryMode("b64");
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(),
                 "binary handling mode \"b64\" is not valid: use one of bytes, base64, "
                 "base64-url-safe, hex");
  }
}

// ---- binary -------------------------------------------------------------------------------

// schemaAndValuesForBinTypes / bytea binary modes: '\001\002\003' -> bytes AQID, hex "010203".
TEST(Bytes, EveryBinaryMode) {
  const std::string bytes("\x01\x02\x03", 3);
  auto b = [](std::string_view v, BinaryMode m) {
    return Json([&](JsonWriter& w) { WriteBytes(w, v, m); });
  };
  EXPECT_EQ(b(bytes, BinaryMode::kBytes), "\"AQID\"");
  EXPECT_EQ(b(bytes, BinaryMode::kBase64), "\"AQID\"");
  EXPECT_EQ(b(bytes, BinaryMode::kHex), "\"010203\"");
  const std::string url("\xfb\xff\xfe", 3);
  EXPECT_EQ(b(url, BinaryMode::kBase64), "\"+//+\"");
  EXPECT_EQ(b(url, BinaryMode::kBase64UrlSafe), "\"-__-\"");
  EXPECT_EQ(b(url, BinaryMode::kHex), "\"fbfffe\"");
  EXPECT_EQ(b("", BinaryMode::kBase64), "\"\"");
  EXPECT_EQ(b("a", BinaryMode::kBase64), "\"YQ==\"");
  EXPECT_EQ(b("ab", BinaryMode::kBase64), "\"YWI=\"");
}

// schemaAndValuesForBinTypes: bit(1) -> bool; '11'::bit(2) -> {3}; '1'::bit(7) -> {64};
// '00'::varbit(2) -> {}; 24 bits -> {1,2,3}; bit(64) high bit -> {0,0,0,0,0,0,0,-128};
// '101' -> {5}; 33 bits -> {1,2,35,-38,1}.
TEST(Bits, DebeziumLittleEndianBytes) {
  auto bits = [](std::string_view text, int32_t len) {
    return Json([&](JsonWriter& w) { WriteBits(w, text, len); });
  };
  EXPECT_EQ(bits("0", 1), "false");
  EXPECT_EQ(bits("1", 1), "true");
  EXPECT_EQ(bits("11", 2), "\"Aw==\"");
  EXPECT_EQ(bits("1000000", 7), "\"QA==\"");
  EXPECT_EQ(bits("00", 2), "\"\"");
  EXPECT_EQ(bits("000000110000001000000001", 24), "\"AQID\"");
  EXPECT_EQ(bits("1" + std::string(63, '0'), 64), "\"AAAAAAAAAIA=\"");
  EXPECT_EQ(bits("101", -1), "\"BQ==\"");
  EXPECT_EQ(bits("111011010001000110000001000000001", -1), "\"AQIj2gE=\"");
  EXPECT_THROW(bits("10x", 3), ValueError);
}

TEST(Bits, MySqlBigEndianBytesAreReversedAndPadded) {
  auto bits = [](std::string_view bytes, int32_t len) {
    return Json([&](JsonWriter& w) { WriteBitsFromBigEndian(w, bytes, len); });
  };
  EXPECT_EQ(bits(std::string("\x01", 1), 1), "true");
  EXPECT_EQ(bits(std::string("\x03\x02\x01", 3), 24), "\"AQID\"");
  EXPECT_EQ(bits(std::string("\x05", 1), 16), "\"BQA=\"");  // padded to 2 bytes
}

// ---- temporal -----------------------------------------------------------------------------

TEST(Civil, DaysRoundTripIncludingLeapDaysAndBC) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2016, 11, 4), 17109);
  EXPECT_EQ(DaysFromCivil(2000, 2, 29), 11016);
  EXPECT_EQ(DaysFromCivil(1900, 3, 1), -25508);
  EXPECT_EQ(DaysFromCivil(1, 1, 1), -719162);
  for (int64_t d = -800000; d < 800000; d += 997) {
    int64_t y;
    int m, day;
    CivilFromDays(d, &y, &m, &day);
    ASSERT_EQ(DaysFromCivil(y, m, day), d);
  }
}

// schemaAndValuesForDateTimeTypes: date '2016-11-04' -> 17109 (io.debezium.time.Date).
TEST(Date, DaysSinceEpochAndInfinity) {
  EXPECT_EQ(Json([](JsonWriter& w) { WriteDate(w, 17109); }), "17109");
  EXPECT_EQ(Json([](JsonWriter& w) { WriteDate(w, -1); }), "-1");
  EXPECT_EQ(Json([](JsonWriter& w) { WriteDateYmd(w, 2000, 2, 29); }), "11016");
  // pgjdbc's infinity dates -5877611-06-21 / -22 as epoch days.
  EXPECT_EQ(Json([](JsonWriter& w) { WriteDate(w, 0, Special::kPosInfinity); }),
            std::to_string(DaysFromCivil(-5877611, 6, 21)));
  EXPECT_EQ(DaysFromCivil(-5877611, 6, 22) - DaysFromCivil(-5877611, 6, 21), 1);
}

// schemaAndValuesForDateTimeTypes: time '13:51:30' -> MicroTime 49890000000; time(3)
// '13:51:30.123' -> Time 49890123 (ms); '24:00:00' -> 86400000000.
TEST(Time, PrecisionModes) {
  auto t = [](int64_t us, int32_t p, TimePrecisionMode m) {
    return Json([&](JsonWriter& w) { WriteTime(w, us, p, m); });
  };
  const int64_t t1 = 49890000000LL;
  const int64_t t2 = 49890123000LL;
  EXPECT_EQ(t(t1, -1, TimePrecisionMode::kAdaptive), "49890000000");
  EXPECT_EQ(t(t2, 3, TimePrecisionMode::kAdaptive), "49890123");
  EXPECT_EQ(t(t2, 6, TimePrecisionMode::kAdaptive), "49890123000");
  EXPECT_EQ(t(t2, 3, TimePrecisionMode::kAdaptiveTimeMicroseconds), "49890123000");
  EXPECT_EQ(t(t2 + 999, 6, TimePrecisionMode::kConnect), "49890123");  // floored to ms
  EXPECT_EQ(t(kMicrosPerDay, -1, TimePrecisionMode::kAdaptive), "86400000000");
  // MySQL TIME may be negative: milliseconds floor like Duration.toMillis.
  EXPECT_EQ(t(-1500, 3, TimePrecisionMode::kConnect), "-2");
}

// postgresql.adoc "TIMESTAMP type": '2018-06-20 15:13:16.945104' -> MicroTimestamp
// 1529507596945104; infinity -> 9223372036825200000, -infinity -> -9223372036832400000.
TEST(Timestamp, PrecisionModesInfinityAndBeforeEpoch) {
  auto ts = [](int64_t us, int32_t p, TimePrecisionMode m, Special s = Special::kNone) {
    return Json([&](JsonWriter& w) { WriteTimestamp(w, us, p, m, s); });
  };
  const int64_t doc = Micros(2018, 6, 20, 15, 13, 16, 945104);
  EXPECT_EQ(doc, 1529507596945104LL);
  EXPECT_EQ(ts(doc, -1, TimePrecisionMode::kAdaptive), "1529507596945104");
  EXPECT_EQ(ts(doc, 6, TimePrecisionMode::kAdaptiveTimeMicroseconds), "1529507596945104");
  EXPECT_EQ(ts(doc, 6, TimePrecisionMode::kConnect), "1529507596945");
  EXPECT_EQ(ts(doc, 3, TimePrecisionMode::kAdaptive), "1529507596945");
  // tsneg '1936-10-25T22:10:12.608' and one microsecond before the epoch.
  EXPECT_EQ(ts(Micros(1936, 10, 25, 22, 10, 12, 608000), 6, TimePrecisionMode::kAdaptive),
            "-1047174587392000");
  EXPECT_EQ(ts(-1, 6, TimePrecisionMode::kAdaptive), "-1");
  EXPECT_EQ(ts(-1, 3, TimePrecisionMode::kAdaptive), "-1");  // floor, like Instant.toEpochMilli
  // ts_min '4713-12-31T23:59:59.999999 BC' -> -210831897600000001; ts_max.
  EXPECT_EQ(Micros(-4712, 12, 31, 23, 59, 59, 999999), -210831897600000001LL);
  EXPECT_EQ(Micros(294247, 1, 1, 23, 59, 59, 999999), 9223371331200000000LL - 1);
  EXPECT_EQ(ts(0, 6, TimePrecisionMode::kAdaptive, Special::kPosInfinity), "9223372036825200000");
  EXPECT_EQ(ts(0, 6, TimePrecisionMode::kAdaptive, Special::kNegInfinity), "-9223372036832400000");
  EXPECT_EQ(ts(0, 3, TimePrecisionMode::kAdaptive, Special::kPosInfinity), "9223372036825200");
}

// schemaAndValuesForDateTimeTypes: tz '2016-11-04T13:51:30.123456+02:00' ->
// "2016-11-04T11:51:30.123456Z"; tz_large "+21016-11-04T06:51:30.123456Z"; tz_max
// "+294247-01-01T23:59:59.999999Z"; tz_min "-4713-12-31T23:59:59.999999Z"; tz_zero
// "+21016-11-04T06:51:30.000000Z"; infinity "infinity"; timestamptz arrays
// "2020-04-01T11:51:02.000000Z".
TEST(TimestampTz, ZonedTimestampStrings) {
  auto tz = [](int64_t us, int32_t p, Special s = Special::kNone) {
    return Json([&](JsonWriter& w) { WriteTimestampTz(w, us, p, s); });
  };
  EXPECT_EQ(tz(Micros(2016, 11, 4, 11, 51, 30, 123456), -1), "\"2016-11-04T11:51:30.123456Z\"");
  EXPECT_EQ(tz(Micros(21016, 11, 4, 6, 51, 30, 123456), 6), "\"+21016-11-04T06:51:30.123456Z\"");
  EXPECT_EQ(tz(Micros(294247, 1, 1, 23, 59, 59, 999999), 6), "\"+294247-01-01T23:59:59.999999Z\"");
  EXPECT_EQ(tz(Micros(-4713, 12, 31, 23, 59, 59, 999999), 6), "\"-4713-12-31T23:59:59.999999Z\"");
  EXPECT_EQ(tz(Micros(21016, 11, 4, 6, 51, 30, 0), 6), "\"+21016-11-04T06:51:30.000000Z\"");
  EXPECT_EQ(tz(Micros(2020, 4, 1, 11, 51, 2, 0), 6), "\"2020-04-01T11:51:02.000000Z\"");
  EXPECT_EQ(tz(0, 0, Special::kPosInfinity), "\"infinity\"");
  EXPECT_EQ(tz(0, 0, Special::kNegInfinity), "\"-infinity\"");
  // Fraction width follows the column's precision; 0 is ISO_OFFSET_DATE_TIME.
  EXPECT_EQ(tz(Micros(2024, 2, 29, 12, 0, 0, 120000), 3), "\"2024-02-29T12:00:00.120Z\"");
  EXPECT_EQ(tz(Micros(2024, 2, 29, 12, 0, 0, 0), 0), "\"2024-02-29T12:00:00Z\"");
  EXPECT_EQ(tz(Micros(2024, 2, 29, 12, 0, 0, 120000), 0), "\"2024-02-29T12:00:00.12Z\"");
  EXPECT_EQ(tz(-1, 6), "\"1969-12-31T23:59:59.999999Z\"");
  EXPECT_EQ(tz(Micros(1, 1, 1, 0, 0, 0, 0), 6), "\"0001-01-01T00:00:00.000000Z\"");
  EXPECT_EQ(tz(Micros(0, 1, 1, 0, 0, 0, 0), 6), "\"0000-01-01T00:00:00.000000Z\"");
}

// schemaAndValuesForDateTimeTypes: timetz '13:51:30.123789+02:00' -> "11:51:30.123789Z",
// '13:51:30.123+02:00' -> "11:51:30.123Z"; arrays "11:51:02Z".
TEST(TimeTz, ZonedTimeInUtc) {
  auto ttz = [](int64_t us, int32_t zone) {
    return Json([&](JsonWriter& w) { WriteTimeTz(w, us, zone); });
  };
  const int64_t local = ((13 * 60 + 51) * 60 + 30) * kMicrosPerSecond;
  EXPECT_EQ(ttz(local + 123789, 7200), "\"11:51:30.123789Z\"");
  EXPECT_EQ(ttz(local + 123000, 7200), "\"11:51:30.123Z\"");
  EXPECT_EQ(ttz(((13 * 60 + 51) * 60 + 2) * kMicrosPerSecond, 7200), "\"11:51:02Z\"");
  EXPECT_EQ(ttz(3600LL * kMicrosPerSecond, 7200), "\"23:00:00Z\"");    // wraps back a day
  EXPECT_EQ(ttz(23LL * 3600 * kMicrosPerSecond, -3600), "\"00:00:00Z\"");  // and forward
  EXPECT_EQ(ttz(kMicrosPerDay, 0), "\"24:00:00Z\"");  // PostgresTimeBoundary
}

// postgresql.adoc interval mappings and schemaAndValuesForIntervalAsString: 'P1Y2M3DT4H5M6.78S'
// -> MicroDuration.durationMicros(1, 2, 3, 4, 5, 6.78, 365.25/12) = 37091106780000 and
// "P1Y2M3DT4H5M6.78S".
TEST(Interval, MicroDurationAndIsoString) {
  const int32_t months = 14;
  const int32_t days = 3;
  const int64_t micros = ((4 * 60 + 5) * 60 + 6) * kMicrosPerSecond + 780000;
  EXPECT_EQ(IntervalMicroDuration(months, days, micros), 37091106780000LL);
  EXPECT_EQ(Json([&](JsonWriter& w) { WriteInterval(w, months, days, micros, IntervalMode::kNumeric); }),
            "37091106780000");
  EXPECT_EQ(Json([&](JsonWriter& w) { WriteInterval(w, months, days, micros, IntervalMode::kString); }),
            "\"P1Y2M3DT4H5M6.78S\"");
  EXPECT_EQ(Json([&](JsonWriter& w) { WriteInterval(w, -months, -days, -micros, IntervalMode::kString); }),
            "\"P-1Y-2M-3DT-4H-5M-6.78S\"");
  EXPECT_EQ(IntervalMicroDuration(-months, -days, -micros), -37091106780000LL);
  EXPECT_EQ(IntervalMicroDuration(1, 0, 0), 2629800000000LL);  // one month = 30.4375 days
  EXPECT_EQ(IntervalMicroDuration(0, 1, 1), 86400000001LL);
  EXPECT_EQ(IntervalMicroDuration(0, 0, -500000), -500000);
  std::string iso;
  AppendIsoInterval(iso, 0, 0, 0);
  EXPECT_EQ(iso, "P0Y0M0DT0H0M0S");
  iso.clear();
  AppendIsoInterval(iso, 0, 0, -500000);
  EXPECT_EQ(iso, "P0Y0M0DT0H0M-0.5S");
  iso.clear();
  AppendIsoInterval(iso, 0, 0, 5 * kMicrosPerSecond + 1);
  EXPECT_EQ(iso, "P0Y0M0DT0H0M5.000001S");
}

TEST(Year, IsAnInt) { EXPECT_EQ(Json([](JsonWriter& w) { WriteYear(w, 2024); }), "2024"); }
