// The `where:` constraints of a sweep: a small expression language over a point's axis values
// (no shell, no eval). Numbers, 'strings' / "strings", true/false, axis keys by their dotted
// name, + - * / %, comparisons < <= > >= == !=, and/or/not (also && || !), parentheses.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace lpsim::sim::sweep {

// A value of an axis or of an expression.
struct Value {
  enum class Kind { Number, String, Bool };
  Kind kind = Kind::String;
  double number = 0;  // Number; Bool as 0/1
  std::string text;   // as written in the sweep file (Number, Bool: the literal; String: the text)
  bool quoted = false;  // written as a quoted YAML scalar
  bool boolean() const { return number != 0; }
};

struct ExprNode;

// A parsed expression. Identifiers are resolved against `keys` (the axes) when parsed.
class Expr {
 public:
  // Throws UserError "<where>: <what>" for a syntax error or an unknown key.
  Expr(const std::string& text, const std::vector<std::string>& keys, const std::string& where);
  ~Expr();
  Expr(Expr&&) noexcept;
  Expr& operator=(Expr&&) noexcept;
  // Evaluates with values[i] the value of keys[i]; throws UserError on a type error (e.g. a
  // string compared with a number). The result must be a truth value.
  bool holds(const std::vector<Value>& values) const;
  const std::string& text() const { return m_text; }

 private:
  std::string m_text, m_where;
  std::unique_ptr<ExprNode> m_root;
};

}  // namespace lpsim::sim::sweep
