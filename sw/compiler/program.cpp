// The compiler's plan: format choice per layer, PPU fusion, host/accelerator split.
#include "sw/compiler/program.hpp"

#include <unordered_map>

#include "sw/common/error.hpp"
#include "sw/formats/format_parse.hpp"
#include "sw/formats/int_format.hpp"
#include "sw/formats/lp_format.hpp"

namespace lpsim::compiler {
namespace {

// MODE of a format text the array can run, or a UserError naming the key.
int mode_of(const std::string& text, const std::string& key, const std::string& where) {
  const fmt::FormatPtr f = fmt::parse_format(text);
  const bool lp = dynamic_cast<const fmt::LpFormat*>(f.get()) != nullptr;
  const bool in = dynamic_cast<const fmt::IntFormat*>(f.get()) != nullptr;
  if (!lp && !in)
    throw UserError(where + ": " + key + ": format '" + text +
                    "' has no PE type on this accelerator (PE types: lp, int)");
  const int n = f->bits();
  if (n != 2 && n != 4 && n != 8)
    throw UserError(where + ": " + key + ": format '" + text + "' is " + std::to_string(n) +
                    " bits; the array's MODEs are 8, 4 and 2");
  return n;
}

}  // namespace

std::size_t Program::compute_layers() const {
  std::size_t n = 0;
  for (const Step& s : steps) n += s.compute;
  return n;
}

Program plan_program(const model::Graph& graph, const std::string& default_format,
                     const std::map<std::string, std::string>& per_layer,
                     const std::function<std::string(const std::string&)>& where) {
  const auto& nodes = graph.nodes();
  std::unordered_map<std::string, std::size_t> order;  // node name -> topological index
  std::unordered_map<std::string, std::size_t> produced_at;  // tensor -> producer index
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    order[nodes[i].name] = i;
    produced_at[nodes[i].outputs[0]] = i;
  }
  for (const auto& [name, text] : per_layer) {
    auto it = order.find(name);
    if (it == order.end() || !model::is_compute(nodes[it->second].op))
      throw UserError(where("quantization.layers." + name) + ": quantization.layers." + name +
                      ": the model has no compute layer named '" + name + "'");
  }
  const std::string dkey = "quantization.default";
  mode_of(default_format, dkey, where(dkey));  // checked even when every layer has its own

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
    const bool own = pl != per_layer.end();
    c.act_format = c.wgt_format = own ? pl->second : default_format;
    const std::string key = own ? "quantization.layers." + n.name : dkey;
    c.mode = mode_of(c.act_format, key, where(key));

    // PPU fusion: Add(residual) -> Relu / Clip(0, 6), each only when this layer's output
    // feeds nothing else and the residual was computed before this layer.
    // INT layers accumulate in units of s_a * s_w and the PPU rescales after the add, so a
    // residual (a real value) cannot be added there: the host adds it.
    const bool int_layer =
        dynamic_cast<const fmt::IntFormat*>(fmt::parse_format(c.act_format).get()) != nullptr;
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

  // Output formats: the consumers' activation format when every consumer is a compute layer
  // of one format (the PPU then encodes straight into it), else the layer's own format.
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
  return prog;
}

}  // namespace lpsim::compiler
