// Recursive-descent parser of Sigma conditions (see condition.h).
#include "detect/sigma/condition.h"

#include <charconv>

#include "detect/sigma/strings.h"

namespace trailwarden::detect::sigma {

namespace {

constexpr int kMaxDepth = 64;

struct Token {
  enum class Kind : uint8_t { kEnd, kLParen, kRParen, kWord, kNumber, kPipe };
  Kind kind = Kind::kEnd;
  std::string_view text;
  int column = 1;
};

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '*' || c == '-' || c == '.';
}

bool is_keyword(std::string_view w, std::string_view k) { return iequals_folded(w, k); }

bool is_reserved(std::string_view w) {
  for (std::string_view k : {"and", "or", "not", "of", "all", "any", "them"}) {
    if (is_keyword(w, k)) return true;
  }
  return false;
}

std::string quoted(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) { advance(); }

  std::expected<ConditionNode, ConditionError> parse() {
    if (tok_.kind == Token::Kind::kEnd) return fail(tok_.column, "the condition is empty");
    auto node = parse_or(0);
    if (!node) return node;
    if (tok_.kind != Token::Kind::kEnd) {
      if (tok_.kind == Token::Kind::kRParen) return fail(tok_.column, "unmatched ')'");
      return fail(tok_.column,
                  "unexpected " + describe(tok_) + ": expected 'and', 'or' or the end");
    }
    return node;
  }

 private:
  static std::unexpected<ConditionError> fail(int column, std::string message) {
    return std::unexpected(ConditionError{column, std::move(message)});
  }

  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Token::Kind::kEnd:
        return "the end of the condition";
      case Token::Kind::kLParen:
        return "'('";
      case Token::Kind::kRParen:
        return "')'";
      case Token::Kind::kPipe:
        return "'|'";
      default:
        return quoted(t.text);
    }
  }

  void advance() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
    tok_.column = static_cast<int>(pos_) + 1;
    if (pos_ >= text_.size()) {
      tok_.kind = Token::Kind::kEnd;
      tok_.text = {};
      return;
    }
    char c = text_[pos_];
    if (c == '(' || c == ')' || c == '|') {
      tok_.kind =
          c == '(' ? Token::Kind::kLParen : (c == ')' ? Token::Kind::kRParen : Token::Kind::kPipe);
      tok_.text = text_.substr(pos_, 1);
      ++pos_;
      return;
    }
    size_t start = pos_;
    if (!is_word_char(c)) {
      // Take one UTF-8 character for the message.
      size_t n = 1;
      while (start + n < text_.size() &&
             (static_cast<unsigned char>(text_[start + n]) & 0xC0) == 0x80)
        ++n;
      tok_.kind = Token::Kind::kWord;
      tok_.text = text_.substr(start, n);
      bad_char_ = true;
      pos_ += n;
      return;
    }
    bad_char_ = false;
    while (pos_ < text_.size() && is_word_char(text_[pos_])) ++pos_;
    tok_.text = text_.substr(start, pos_ - start);
    bool digits = true;
    for (char d : tok_.text) digits = digits && d >= '0' && d <= '9';
    tok_.kind = digits ? Token::Kind::kNumber : Token::Kind::kWord;
  }

  bool at_keyword(std::string_view k) const {
    return tok_.kind == Token::Kind::kWord && !bad_char_ && is_keyword(tok_.text, k);
  }

  std::expected<ConditionNode, ConditionError> parse_or(int depth) {
    if (depth > kMaxDepth) return fail(tok_.column, "the condition is nested too deeply");
    int column = tok_.column;
    auto first = parse_and(depth);
    if (!first) return first;
    if (!at_keyword("or")) return first;
    ConditionNode node;
    node.kind = ConditionNode::Kind::kOr;
    node.column = column;
    node.children.push_back(std::move(*first));
    while (at_keyword("or")) {
      advance();
      auto next = parse_and(depth);
      if (!next) return next;
      node.children.push_back(std::move(*next));
    }
    return node;
  }

  std::expected<ConditionNode, ConditionError> parse_and(int depth) {
    int column = tok_.column;
    auto first = parse_not(depth);
    if (!first) return first;
    if (!at_keyword("and")) return first;
    ConditionNode node;
    node.kind = ConditionNode::Kind::kAnd;
    node.column = column;
    node.children.push_back(std::move(*first));
    while (at_keyword("and")) {
      advance();
      auto next = parse_not(depth);
      if (!next) return next;
      node.children.push_back(std::move(*next));
    }
    return node;
  }

  std::expected<ConditionNode, ConditionError> parse_not(int depth) {
    if (depth > kMaxDepth) return fail(tok_.column, "the condition is nested too deeply");
    if (at_keyword("not")) {
      ConditionNode node;
      node.kind = ConditionNode::Kind::kNot;
      node.column = tok_.column;
      advance();
      auto inner = parse_not(depth + 1);
      if (!inner) return inner;
      node.children.push_back(std::move(*inner));
      return node;
    }
    return parse_primary(depth);
  }

  std::expected<ConditionNode, ConditionError> parse_primary(int depth) {
    const Token t = tok_;
    switch (t.kind) {
      case Token::Kind::kEnd:
        return fail(t.column,
                    "the condition ends where a selection name, 'not', '(' or "
                    "'1 of'/'all of' was expected");
      case Token::Kind::kRParen:
        return fail(t.column,
                    "unexpected ')': expected a selection name, 'not', '(' or "
                    "'1 of'/'all of'");
      case Token::Kind::kPipe:
        return fail(t.column,
                    "'|' starts an aggregation, which conditions do not support "
                    "(use a correlation rule)");
      case Token::Kind::kLParen: {
        advance();
        if (tok_.kind == Token::Kind::kRParen) return fail(tok_.column, "empty parentheses");
        auto inner = parse_or(depth + 1);
        if (!inner) return inner;
        if (tok_.kind != Token::Kind::kRParen) {
          return fail(tok_.column, "expected ')' to close the '(' at column " +
                                       std::to_string(t.column) + ", found " + describe(tok_));
        }
        advance();
        return inner;
      }
      case Token::Kind::kNumber:
      case Token::Kind::kWord:
        break;
    }
    if (bad_char_) return fail(t.column, "unexpected character " + quoted(t.text));
    bool quantifier = t.kind == Token::Kind::kNumber || at_keyword("all") || at_keyword("any");
    if (quantifier) {
      int count = 1;
      if (t.kind == Token::Kind::kNumber) {
        auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), count);
        if (r.ec != std::errc() || count < 1) {
          return fail(t.column, "'" + std::string(t.text) + " of' needs a count of at least 1");
        }
      } else if (at_keyword("all")) {
        count = 0;
      }
      advance();
      if (!at_keyword("of")) {
        if (t.kind == Token::Kind::kNumber) {
          return fail(tok_.column, "expected 'of' after " + quoted(t.text) +
                                       " (a selection name cannot be a number)");
        }
        return fail(tok_.column, "expected 'of' after " + quoted(t.text));
      }
      advance();
      if (tok_.kind != Token::Kind::kWord || bad_char_ ||
          (is_reserved(tok_.text) && !at_keyword("them"))) {
        return fail(tok_.column,
                    "expected a selection name, a pattern like 'selection_*' or "
                    "'them' after 'of', found " +
                        describe(tok_));
      }
      ConditionNode node;
      node.kind = ConditionNode::Kind::kOf;
      node.column = t.column;
      node.count = count;
      node.name = at_keyword("them") ? "them" : std::string(tok_.text);
      advance();
      return node;
    }
    if (is_reserved(t.text)) {
      return fail(t.column, "unexpected " + quoted(t.text) +
                                ": expected a selection name, 'not', '(' or '1 of'/'all of'");
    }
    ConditionNode node;
    node.kind = ConditionNode::Kind::kSelection;
    node.column = t.column;
    node.name = std::string(t.text);
    advance();
    return node;
  }

  std::string_view text_;
  size_t pos_ = 0;
  Token tok_;
  bool bad_char_ = false;
};

void print(const ConditionNode& n, std::string& out) {
  switch (n.kind) {
    case ConditionNode::Kind::kSelection:
      out += n.name;
      return;
    case ConditionNode::Kind::kOf:
      out += "(";
      out += n.count == 0 ? std::string("all") : std::to_string(n.count);
      out += "-of " + n.name + ")";
      return;
    case ConditionNode::Kind::kNot:
      out += "(not ";
      print(n.children[0], out);
      out += ")";
      return;
    case ConditionNode::Kind::kAnd:
    case ConditionNode::Kind::kOr:
      out += n.kind == ConditionNode::Kind::kAnd ? "(and" : "(or";
      for (const auto& c : n.children) {
        out += " ";
        print(c, out);
      }
      out += ")";
      return;
  }
}

}  // namespace

std::expected<ConditionNode, ConditionError> parse_condition(std::string_view text) {
  return Parser(text).parse();
}

std::string to_string(const ConditionNode& node) {
  std::string out;
  print(node, out);
  return out;
}

bool selection_name_matches(std::string_view pattern, std::string_view name) {
  std::vector<int16_t> sym;
  for (char c : pattern) {
    sym.push_back(c == '*' ? SigmaString::kStar
                           : static_cast<int16_t>(static_cast<unsigned char>(c)));
  }
  return glob_match(name, sym, true);
}

}  // namespace trailwarden::detect::sigma
