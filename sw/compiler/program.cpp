// The compiler's plan: format choice per layer, PPU fusion, host/accelerator split.
#include "sw/compiler/program.hpp"

#include <algorithm>
#include <unordered_map>

#include "sw/common/error.hpp"
#include "sw/compiler/baseline_format.hpp"
#include "sw/formats/format_parse.hpp"
#include "sw/formats/int_format.hpp"
#include "sw/formats/lp_format.hpp"
#include "sw/formats/metrics.hpp"

namespace lpsim::compiler {
namespace {

// The text as parse_format reads it: sf 'auto' checked as sf 0.
std::string parsable(const std::string& text) {
  return is_auto_sf(text) ? with_sf(text, 0) : text;
}

// MODE of a format text the array can run, or a UserError naming the key. With `wider` (the
// activations' MODE), weights may be any width below it (2..7 bits, e.g. INT3): they are stored
// and decoded at that MODE (hw_format's widening), so the result is the width itself.
int mode_of(const std::string& text, const std::string& key, const std::string& where,
            int wider = 0) {
  const fmt::FormatPtr f = fmt::parse_format(parsable(text));
  if (pe_of_format(text).empty())
    throw UserError(where + ": " + key + ": format '" + text +
                    "' has no PE type on this accelerator (PE types: lp, int, posit, af, fp8, ant/flint)");
  const int n = f->bits();
  if (n >= 2 && n < wider) return n;
  if (n != 2 && n != 4 && n != 8)
    throw UserError(where + ": " + key + ": format '" + text + "' is " + std::to_string(n) +
                    " bits; the array's MODEs are 8, 4 and 2");
  return n;
}

// The INT PE's formats (accumulators in units of s_a * s_w, PPU REQUANT); ANT's int is not.
bool is_int_text(const std::string& text) { return pe_of_format(text) == "int"; }

// Output formats: the consumers' activation format when every consumer is a compute layer of
// one format (the PPU then encodes straight into it), else the layer's own activation format.
void assign_out_formats(const model::Graph& graph, Program& prog) {
  auto is_output = [&](const std::string& t) {
    for (const auto& o : graph.outputs())
      if (o == t) return true;
    return false;
  };
  std::unordered_map<std::string, const ComputeStep*> by_node;
  for (const Step& s : prog.steps)
    if (s.compute) by_node[s.layer.node->name] = &s.layer;
  for (Step& s : prog.steps) {
    if (!s.compute) continue;
    ComputeStep& c = s.layer;
    c.out_format = c.act_format;
    std::string common;
    bool all_compute = !is_output(c.output);
    for (const std::string& cn : graph.consumers(c.output)) {
      auto it = by_node.find(cn);
      if (it == by_node.end()) {
        all_compute = false;
        break;
      }
      if (common.empty()) common = it->second->act_format;
      if (common != it->second->act_format) all_compute = false;
    }
    if (all_compute && !common.empty()) c.out_format = common;
  }
}

}  // namespace

bool is_auto_sf(const std::string& text) {
  const std::size_t open = text.find_first_of(":<");
  if (open == std::string::npos || text.compare(0, open, "lp") != 0) return false;
  const std::size_t comma = text.rfind(',');
  if (comma == std::string::npos) return false;
  std::string last = text.substr(comma + 1);
  if (!last.empty() && last.back() == '>') last.pop_back();
  return last == "auto";
}

std::string with_sf(const std::string& text, int sf) {
  if (!is_auto_sf(text)) return text;
  const std::size_t comma = text.rfind(',');
  return text.substr(0, comma + 1) + std::to_string(sf) + (text.back() == '>' ? ">" : "");
}

bool is_channel_int(const std::string& text) {
  const std::size_t open = text.find_first_of(":<");
  if (open == std::string::npos || text.compare(0, open, "int") != 0) return false;
  const std::size_t comma = text.rfind(',');
  if (comma == std::string::npos) return false;
  std::string last = text.substr(comma + 1);
  if (!last.empty() && last.back() == '>') last.pop_back();
  return last == "channel";
}

std::string without_channel(const std::string& text) {
  if (!is_channel_int(text)) return text;
  return text.substr(0, text.rfind(',')) + (text.back() == '>' ? ">" : "");
}

void resolve_auto_sf(const model::Graph& graph, const model::TensorValues& values, Program& program) {
  auto choose = [](const std::string& text, const std::vector<float>* x) {
    if (!is_auto_sf(text)) return text;
    const auto format = fmt::parse_format(with_sf(text, 0));  // owns what `lp` points to
    const auto* lp = dynamic_cast<const fmt::LpFormat*>(format.get());
    const fmt::LpParams p = lp->params();
    return with_sf(text, x && !x->empty() ? fmt::best_lp_sf(p.n, p.es, p.rs, x->data(), x->size()) : 0);
  };
  auto tensor = [&](const std::string& name) -> const std::vector<float>* {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second.data;
  };
  (void)graph;
  for (Step& s : program.steps) {
    if (!s.compute) continue;
    ComputeStep& c = s.layer;
    c.act_format = choose(c.act_format, tensor(c.input));
    c.wgt_format = choose(c.wgt_format, c.input_b.empty() ? &c.node->weights : tensor(c.input_b));
  }
  assign_out_formats(graph, program);
}

std::size_t Program::compute_layers() const {
  std::size_t n = 0;
  for (const Step& s : steps) n += s.compute;
  return n;
}

Program plan_program(const model::Graph& graph, const std::string& default_format,
                     const std::map<std::string, std::string>& per_layer,
                     const std::function<std::string(const std::string&)>& where) {
  FormatChoice f;
  f.default_act = default_format;
  f.act = per_layer;
  return plan_program(graph, f, where);
}

Program plan_program(const model::Graph& graph, const FormatChoice& formats,
                     const std::function<std::string(const std::string&)>& where) {
  const std::string& default_format = formats.default_act;
  const std::map<std::string, std::string>& per_layer = formats.act;
  const auto& nodes = graph.nodes();
  std::unordered_map<std::string, std::size_t> order;  // node name -> topological index
  std::unordered_map<std::string, std::size_t> produced_at;  // tensor -> producer index
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    order[nodes[i].name] = i;
    produced_at[nodes[i].outputs[0]] = i;
  }
  for (const auto* m : {&per_layer, &formats.wgt})
    for (const auto& [name, text] : *m) {
      auto it = order.find(name);
      if (it == order.end() || !model::is_compute(nodes[it->second].op))
        throw UserError(where("quantization.layers." + name) + ": quantization.layers." + name +
                        ": the model has no compute layer named '" + name + "'");
    }
  const std::string dkey = "quantization.default";
  // (checked even when every layer has its own)
  const int default_mode = mode_of(default_format, dkey, where(dkey));
  if (!formats.default_wgt.empty()) mode_of(formats.default_wgt, dkey, where(dkey), default_mode);

  auto is_output = [&](const std::string& t) {
    for (const auto& o : graph.outputs())
      if (o == t) return true;
    return false;
  };
  // The single consumer of `t` when it has exactly one and is not a graph output.
  auto only_consumer = [&](const std::string& t) -> const model::Node* {
    const auto cons = graph.consumers(t);
    if (cons.size() != 1 || is_output(t)) return nullptr;
    return &graph.node(cons[0]);
  };

  Program prog;
  std::vector<bool> fused(nodes.size(), false);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const model::Node& n = nodes[i];
    if (fused[i]) continue;
    Step step;
    if (!model::is_compute(n.op)) {
      step.host = &n;
      prog.steps.push_back(step);
      continue;
    }
    step.compute = true;
    ComputeStep& c = step.layer;
    c.node = &n;
    c.view = *model::gemm_view(graph, n);
    c.input = n.inputs[0];
    if (n.op == model::OpKind::MatMul) c.input_b = n.inputs[1];
    auto pl = per_layer.find(n.name);
    auto pw = formats.wgt.find(n.name);
    const bool own = pl != per_layer.end() || pw != formats.wgt.end();
    c.act_format = pl != per_layer.end() ? pl->second : default_format;
    c.wgt_format = pw != formats.wgt.end()           ? pw->second
                   : pl != per_layer.end()           ? pl->second
                   : !formats.default_wgt.empty()    ? formats.default_wgt
                                                     : default_format;
    // Per-channel INT scales are for constant weights (docs/workload.md).
    c.act_format = without_channel(c.act_format);
    if (!c.input_b.empty()) c.wgt_format = without_channel(c.wgt_format);
    const std::string key = own ? "quantization.layers." + n.name : dkey;
    const int ma = mode_of(c.act_format, key, where(key));
    const int mw = mode_of(c.wgt_format, key, where(key), ma);
    c.mode = std::max(ma, mw);
    if (const std::string pe_a = pe_of_format(c.act_format), pe_w = pe_of_format(c.wgt_format);
        pe_a != pe_w && !((pe_a == "lp" || pe_a == "int") && (pe_w == "lp" || pe_w == "int")))
      throw UserError(where(key) + ": " + key + ": layer '" + n.name + "' has " + pe_a + " activations and " + pe_w +
                      " weights; both operands of a layer must select the same PE type");
    if (is_int_text(c.act_format) != is_int_text(c.wgt_format))
      throw UserError(where(key) + ": " + key + ": layer '" + n.name + "' has " +
                      (is_int_text(c.act_format) ? "INT activations and LP weights" : "LP activations and INT weights") +
                      "; a PE multiplies two LP or two INT operands");

    // PPU fusion: Add(residual) -> Relu / Clip(0, 6), each only when this layer's output
    // feeds nothing else and the residual was computed before this layer.
    // INT layers keep the residual add on the host. (The PPU now rescales before the add, so a
    // fused residual would be added in real units too; fusing it is left for later because it
    // changes INT runs' schedules and goldens. docs/datapath.md, "PPU order and units".)
    const bool int_layer = is_int_text(c.act_format);
    std::string out = n.outputs[0];
    const model::Node* next = only_consumer(out);
    if (next && !int_layer && next->op == model::OpKind::Add && next->inputs.size() == 2) {
      const std::string other = next->inputs[0] == out ? next->inputs[1] : next->inputs[0];
      auto p = produced_at.find(other);
      const bool ready = p != produced_at.end() ? p->second < i
                                                : graph.tensor(other).kind == model::TensorKind::Input;
      if (ready && graph.shape(other) == graph.shape(out) && other != out) {
        c.fusion.residual = other;
        c.fusion.nodes.push_back(next->name);
        fused[order[next->name]] = true;
        out = next->outputs[0];
        next = only_consumer(out);
      }
    }
    if (next && next->op == model::OpKind::Relu) {
      c.fusion.relu = true;
    } else if (next && next->op == model::OpKind::Clip && next->attrs.clip_min == 0.0f &&
               next->attrs.clip_max == 6.0f) {
      c.fusion.relu6 = true;
    }
    if (c.fusion.relu || c.fusion.relu6) {
      c.fusion.nodes.push_back(next->name);
      fused[order[next->name]] = true;
      out = next->outputs[0];
    }
    c.output = out;
    prog.steps.push_back(step);
  }

  assign_out_formats(graph, prog);
  return prog;
}

}  // namespace lpsim::compiler
