// A recursive-descent parser and tree evaluator for `where:` constraints (see expr.hpp).
#include "sim/sweep/expr.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "sw/common/error.hpp"

namespace lpsim::sim::sweep {

struct ExprNode {
  enum class Op { Lit, Var, Neg, Not, Add, Sub, Mul, Div, Mod, Lt, Le, Gt, Ge, Eq, Ne, And, Or };
  Op op = Op::Lit;
  Value lit;
  std::size_t var = 0;
  std::unique_ptr<ExprNode> a, b;
};

namespace {

using Op = ExprNode::Op;

struct Token {
  enum class Kind { Number, String, Ident, Sym, End };
  Kind kind = Kind::End;
  std::string text;
  std::size_t pos = 0;
};

class Parser {
 public:
  Parser(const std::string& text, const std::vector<std::string>& keys, const std::string& where)
      : m_s(text), m_keys(keys), m_where(where) {
    next();
  }

  std::unique_ptr<ExprNode> parse() {
    auto n = parse_or();
    if (m_tok.kind != Token::Kind::End) fail("unexpected '" + m_tok.text + "'");
    return n;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw UserError(m_where + ": '" + m_s + "': " + what + " (at character " +
                    std::to_string(m_tok.pos + 1) + ")");
  }

  void next() {
    while (m_i < m_s.size() && std::isspace(static_cast<unsigned char>(m_s[m_i]))) ++m_i;
    m_tok = Token{};
    m_tok.pos = m_i;
    if (m_i >= m_s.size()) return;
    const char c = m_s[m_i];
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && m_i + 1 < m_s.size() &&
         std::isdigit(static_cast<unsigned char>(m_s[m_i + 1])))) {
      std::size_t j = m_i;
      while (j < m_s.size() &&
             (std::isalnum(static_cast<unsigned char>(m_s[j])) || m_s[j] == '.' ||
              ((m_s[j] == '+' || m_s[j] == '-') && (m_s[j - 1] == 'e' || m_s[j - 1] == 'E'))))
        ++j;
      m_tok = {Token::Kind::Number, m_s.substr(m_i, j - m_i), m_i};
      m_i = j;
      return;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t j = m_i;
      while (j < m_s.size() &&
             (std::isalnum(static_cast<unsigned char>(m_s[j])) || m_s[j] == '_' || m_s[j] == '.'))
        ++j;
      m_tok = {Token::Kind::Ident, m_s.substr(m_i, j - m_i), m_i};
      m_i = j;
      return;
    }
    if (c == '\'' || c == '"') {
      const std::size_t end = m_s.find(c, m_i + 1);
      if (end == std::string::npos) fail("unterminated string");
      m_tok = {Token::Kind::String, m_s.substr(m_i + 1, end - m_i - 1), m_i};
      m_i = end + 1;
      return;
    }
    static const char* two[] = {"<=", ">=", "==", "!=", "&&", "||"};
    for (const char* t : two)
      if (m_s.compare(m_i, 2, t) == 0) {
        m_tok = {Token::Kind::Sym, t, m_i};
        m_i += 2;
        return;
      }
    if (std::string("+-*/%<>()!").find(c) != std::string::npos) {
      m_tok = {Token::Kind::Sym, std::string(1, c), m_i};
      ++m_i;
      return;
    }
    fail(std::string("unexpected character '") + c + "'");
  }

  bool accept(const std::string& sym) {
    if ((m_tok.kind == Token::Kind::Sym || m_tok.kind == Token::Kind::Ident) && m_tok.text == sym) {
      next();
      return true;
    }
    return false;
  }

  static std::unique_ptr<ExprNode> node(Op op, std::unique_ptr<ExprNode> a,
                                        std::unique_ptr<ExprNode> b = nullptr) {
    auto n = std::make_unique<ExprNode>();
    n->op = op;
    n->a = std::move(a);
    n->b = std::move(b);
    return n;
  }

  std::unique_ptr<ExprNode> parse_or() {
    auto l = parse_and();
    while (accept("or") || accept("||")) l = node(Op::Or, std::move(l), parse_and());
    return l;
  }
  std::unique_ptr<ExprNode> parse_and() {
    auto l = parse_not();
    while (accept("and") || accept("&&")) l = node(Op::And, std::move(l), parse_not());
    return l;
  }
  std::unique_ptr<ExprNode> parse_not() {
    if (accept("not") || accept("!")) return node(Op::Not, parse_not());
    return parse_cmp();
  }
  std::unique_ptr<ExprNode> parse_cmp() {
    auto l = parse_add();
    static const std::pair<const char*, Op> ops[] = {{"<=", Op::Le}, {">=", Op::Ge}, {"==", Op::Eq},
                                                     {"!=", Op::Ne}, {"<", Op::Lt},  {">", Op::Gt}};
    for (const auto& [s, op] : ops)
      if (accept(s)) return node(op, std::move(l), parse_add());
    return l;
  }
  std::unique_ptr<ExprNode> parse_add() {
    auto l = parse_mul();
    for (;;) {
      if (accept("+"))
        l = node(Op::Add, std::move(l), parse_mul());
      else if (accept("-"))
        l = node(Op::Sub, std::move(l), parse_mul());
      else
        return l;
    }
  }
  std::unique_ptr<ExprNode> parse_mul() {
    auto l = parse_unary();
    for (;;) {
      if (accept("*"))
        l = node(Op::Mul, std::move(l), parse_unary());
      else if (accept("/"))
        l = node(Op::Div, std::move(l), parse_unary());
      else if (accept("%"))
        l = node(Op::Mod, std::move(l), parse_unary());
      else
        return l;
    }
  }
  std::unique_ptr<ExprNode> parse_unary() {
    if (accept("-")) return node(Op::Neg, parse_unary());
    return parse_primary();
  }
  std::unique_ptr<ExprNode> parse_primary() {
    if (accept("(")) {
      auto n = parse_or();
      if (!accept(")")) fail("expected ')'");
      return n;
    }
    auto n = std::make_unique<ExprNode>();
    switch (m_tok.kind) {
      case Token::Kind::Number: {
        char* end = nullptr;
        const double v = std::strtod(m_tok.text.c_str(), &end);
        if (!end || *end != '\0' || !std::isfinite(v)) fail("'" + m_tok.text + "' is not a number");
        n->lit.kind = Value::Kind::Number;
        n->lit.number = v;
        n->lit.text = m_tok.text;
        break;
      }
      case Token::Kind::String:
        n->lit.kind = Value::Kind::String;
        n->lit.text = m_tok.text;
        break;
      case Token::Kind::Ident: {
        if (m_tok.text == "true" || m_tok.text == "false") {
          n->lit.kind = Value::Kind::Bool;
          n->lit.number = m_tok.text == "true";
          n->lit.text = m_tok.text;
          break;
        }
        std::size_t i = 0;
        while (i < m_keys.size() && m_keys[i] != m_tok.text) ++i;
        if (i == m_keys.size()) {
          std::string known;
          for (const auto& k : m_keys) known += (known.empty() ? "" : ", ") + k;
          fail("'" + m_tok.text + "' is not an axis (axes: " + known + ")");
        }
        n->op = Op::Var;
        n->var = i;
        break;
      }
      default:
        fail(m_tok.kind == Token::Kind::End ? "unexpected end of the expression"
                                            : "unexpected '" + m_tok.text + "'");
    }
    next();
    return n;
  }

  const std::string& m_s;
  const std::vector<std::string>& m_keys;
  const std::string& m_where;
  std::size_t m_i = 0;
  Token m_tok;
};

const char* kind_name(Value::Kind k) {
  return k == Value::Kind::Number   ? "a number"
         : k == Value::Kind::String ? "a string"
                                    : "a truth value";
}

Value number(double v) {
  Value r;
  r.kind = Value::Kind::Number;
  r.number = v;
  return r;
}
Value boolean(bool v) {
  Value r;
  r.kind = Value::Kind::Bool;
  r.number = v;
  r.text = v ? "true" : "false";
  return r;
}

struct Eval {
  const std::vector<Value>& values;
  const std::string& where;
  const std::string& text;

  [[noreturn]] void fail(const std::string& what) const {
    throw UserError(where + ": '" + text + "': " + what);
  }
  Value need(const Value& v, Value::Kind k, const char* op) const {
    if (v.kind != k)
      fail(std::string("'") + op + "' needs " + kind_name(k) + ", got " + kind_name(v.kind) +
           (v.text.empty() ? "" : " ('" + v.text + "')"));
    return v;
  }
  Value operator()(const ExprNode& n) const {
    switch (n.op) {
      case Op::Lit:
        return n.lit;
      case Op::Var:
        return values.at(n.var);
      case Op::Neg:
        return number(-need((*this)(*n.a), Value::Kind::Number, "-").number);
      case Op::Not:
        return boolean(!need((*this)(*n.a), Value::Kind::Bool, "not").boolean());
      case Op::And:
        return boolean(need((*this)(*n.a), Value::Kind::Bool, "and").boolean() &&
                       need((*this)(*n.b), Value::Kind::Bool, "and").boolean());
      case Op::Or:
        return boolean(need((*this)(*n.a), Value::Kind::Bool, "or").boolean() ||
                       need((*this)(*n.b), Value::Kind::Bool, "or").boolean());
      default:
        break;
    }
    const Value a = (*this)(*n.a), b = (*this)(*n.b);
    static const char* names[] = {"",  "",   "-", "not", "+",  "-",  "*",   "/", "%",
                                  "<", "<=", ">", ">=",  "==", "!=", "and", "or"};
    const char* name = names[static_cast<int>(n.op)];
    if (n.op >= Op::Lt && n.op <= Op::Ne) {
      if (a.kind != b.kind)
        fail(std::string("'") + name + "' compares " + kind_name(a.kind) + " with " +
             kind_name(b.kind));
      int c;
      if (a.kind == Value::Kind::String)
        c = a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
      else
        c = a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
      switch (n.op) {
        case Op::Lt:
          return boolean(c < 0);
        case Op::Le:
          return boolean(c <= 0);
        case Op::Gt:
          return boolean(c > 0);
        case Op::Ge:
          return boolean(c >= 0);
        case Op::Eq:
          return boolean(c == 0);
        default:
          return boolean(c != 0);
      }
    }
    const double x = need(a, Value::Kind::Number, name).number,
                 y = need(b, Value::Kind::Number, name).number;
    switch (n.op) {
      case Op::Add:
        return number(x + y);
      case Op::Sub:
        return number(x - y);
      case Op::Mul:
        return number(x * y);
      case Op::Div:
        if (y == 0) fail("division by zero");
        return number(x / y);
      default:
        if (y == 0) fail("division by zero");
        return number(std::fmod(x, y));
    }
  }
};

}  // namespace

Expr::Expr(const std::string& text, const std::vector<std::string>& keys, const std::string& where)
    : m_text(text), m_where(where) {
  m_root = Parser(m_text, keys, m_where).parse();
}
Expr::~Expr() = default;
Expr::Expr(Expr&&) noexcept = default;
Expr& Expr::operator=(Expr&&) noexcept = default;

bool Expr::holds(const std::vector<Value>& values) const {
  const Value v = Eval{values, m_where, m_text}(*m_root);
  if (v.kind != Value::Kind::Bool)
    throw UserError(m_where + ": '" + m_text + "': is " + kind_name(v.kind) +
                    ", not a condition (use a comparison such as <=)");
  return v.boolean();
}

}  // namespace lpsim::sim::sweep
