// RFC 4180 CSV fields and rows.
#include "traces/csv_writer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace lpsim::traces {

std::string csv_field(std::string_view s) {
  const bool quote = s.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!s.empty() && (s.front() == ' ' || s.back() == ' '));
  if (!quote) return std::string(s);
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::string csv_number(double v) {
  if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 1e15)
    return std::to_string(static_cast<long long>(v));
  char b[40];
  for (int prec = 15; prec <= 17; ++prec) {  // shortest of these that round-trips
    std::snprintf(b, sizeof b, "%.*g", prec, v);
    if (std::strtod(b, nullptr) == v || !std::isfinite(v)) break;
  }
  return b;
}

std::string csv_number(std::uint64_t v) {
  return std::to_string(v);
}
std::string csv_number(std::int64_t v) {
  return std::to_string(v);
}

CsvWriter::CsvWriter(std::ostream& os, std::vector<std::string> header, std::string eol)
    : m_os(os), m_columns(header.size()), m_header(header), m_always(header.size(), false), m_eol(std::move(eol)) {
  if (header.empty()) throw std::invalid_argument("csv: empty header");
  line(header);
}

void CsvWriter::quote_always(const std::vector<std::string>& columns) {
  for (const std::string& c : columns) {
    const auto it = std::find(m_header.begin(), m_header.end(), c);
    if (it == m_header.end()) throw std::invalid_argument("csv: no column '" + c + "'");
    m_always[static_cast<std::size_t>(it - m_header.begin())] = true;
  }
}

void CsvWriter::row(const std::vector<std::string>& fields) {
  if (fields.size() != m_columns)
    throw std::invalid_argument("csv: row of " + std::to_string(fields.size()) +
                                " fields, header has " + std::to_string(m_columns));
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) m_os << ',';
    const std::string f = csv_field(fields[i]);
    m_os << (m_always[i] && (f.empty() || f[0] != '"') ? "\"" + f + "\"" : f);
  }
  m_os << m_eol;
  ++m_rows;
}

void CsvWriter::line(const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) m_os << ',';
    m_os << csv_field(fields[i]);
  }
  m_os << m_eol;
}

}  // namespace lpsim::traces
