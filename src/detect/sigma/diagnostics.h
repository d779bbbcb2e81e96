// Collects Diagnostics for one rule file: positions from yaml-cpp marks (0-based) become
// 1-based file:line:col, and the current rule title is attached.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "detect/rule.h"

namespace trailwarden::detect::sigma {

class DiagSink {
 public:
  DiagSink(std::string file, std::vector<Diagnostic>& out) : file_(std::move(file)), out_(out) {}

  const std::string& file() const { return file_; }
  void set_title(std::string title) { title_ = std::move(title); }
  // Marks count lines from the start of the text given to yaml-cpp; this many lines precede it.
  void set_line_offset(int lines) { line_offset_ = lines; }
  const std::string& title() const { return title_; }

  void error(std::string_view code, const YAML::Mark& mark, std::string message) {
    add(Diagnostic::Level::kError, code, pos(mark), std::move(message));
  }
  void warning(std::string_view code, const YAML::Mark& mark, std::string message) {
    add(Diagnostic::Level::kWarning, code, pos(mark), std::move(message));
  }
  void add(Diagnostic::Level level, std::string_view code, SourcePos where, std::string message) {
    if (level == Diagnostic::Level::kError) ++errors_;
    out_.push_back(
        Diagnostic{level, std::string(code), std::move(where), title_, std::move(message)});
  }
  SourcePos pos(const YAML::Mark& mark) const {
    SourcePos p;
    p.file = file_;
    if (!mark.is_null()) {
      p.line = mark.line + 1 + line_offset_;
      p.column = mark.column + 1;
    }
    return p;
  }
  size_t errors() const { return errors_; }

 private:
  std::string file_;
  std::vector<Diagnostic>& out_;
  std::string title_;
  size_t errors_ = 0;
  int line_offset_ = 0;
};

}  // namespace trailwarden::detect::sigma
