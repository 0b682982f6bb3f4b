// A small structure-aware mutator for protobuf inputs (the ONNX target): parses the input as a
// message and changes one field through reflection — a number to a boundary value, a name to
// another name of the model (rewiring the graph), a repeated field grown or shrunk — so that
// mutations reach the importer's arithmetic instead of dying in the protobuf parser. Falls back
// to libFuzzer's byte mutations when the input does not parse (and one time in four anyway).
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

namespace lpsim::fuzz {

class ProtoMutator {
 public:
  // Mutates `msg` in place; false when it has nothing to mutate.
  bool mutate(google::protobuf::Message& msg, std::minstd_rand& rng) {
    m_slots.clear();
    m_strings.clear();
    collect(msg);
    if (m_slots.empty()) return false;
    const Slot& s = m_slots[rng() % m_slots.size()];
    const auto* r = s.msg->GetReflection();
    const auto* f = s.field;
    using FD = google::protobuf::FieldDescriptor;
    if (f->is_repeated() && (s.index < 0 || rng() % 4 == 0)) {  // grow or shrink it
      const int n = r->FieldSize(*s.msg, f);
      if (n > 0 && rng() % 2) {
        r->RemoveLast(s.msg, f);
        return true;
      }
      switch (f->cpp_type()) {
        case FD::CPPTYPE_INT64: r->AddInt64(s.msg, f, number<std::int64_t>(rng)); return true;
        case FD::CPPTYPE_INT32: r->AddInt32(s.msg, f, number<std::int32_t>(rng)); return true;
        case FD::CPPTYPE_UINT64: r->AddUInt64(s.msg, f, number<std::uint64_t>(rng)); return true;
        case FD::CPPTYPE_FLOAT: r->AddFloat(s.msg, f, real(rng)); return true;
        case FD::CPPTYPE_STRING: r->AddString(s.msg, f, name(rng)); return true;
        case FD::CPPTYPE_MESSAGE:
          if (n > 0) r->AddMessage(s.msg, f)->CopyFrom(r->GetRepeatedMessage(*s.msg, f, static_cast<int>(rng() % static_cast<unsigned>(n))));
          else r->AddMessage(s.msg, f);
          return true;
        default: return false;
      }
    }
    const int i = s.index;
    switch (f->cpp_type()) {
      case FD::CPPTYPE_INT64:
        i < 0 ? r->SetInt64(s.msg, f, number<std::int64_t>(rng))
              : r->SetRepeatedInt64(s.msg, f, i, number<std::int64_t>(rng));
        return true;
      case FD::CPPTYPE_INT32:
        i < 0 ? r->SetInt32(s.msg, f, number<std::int32_t>(rng))
              : r->SetRepeatedInt32(s.msg, f, i, number<std::int32_t>(rng));
        return true;
      case FD::CPPTYPE_UINT64:
        i < 0 ? r->SetUInt64(s.msg, f, number<std::uint64_t>(rng))
              : r->SetRepeatedUInt64(s.msg, f, i, number<std::uint64_t>(rng));
        return true;
      case FD::CPPTYPE_FLOAT:
        i < 0 ? r->SetFloat(s.msg, f, real(rng)) : r->SetRepeatedFloat(s.msg, f, i, real(rng));
        return true;
      case FD::CPPTYPE_ENUM: {
        const auto* e = f->enum_type();
        const auto* v = e->value(static_cast<int>(rng() % static_cast<unsigned>(e->value_count())));
        i < 0 ? r->SetEnum(s.msg, f, v) : r->SetRepeatedEnum(s.msg, f, i, v);
        return true;
      }
      case FD::CPPTYPE_STRING:
        i < 0 ? r->SetString(s.msg, f, name(rng)) : r->SetRepeatedString(s.msg, f, i, name(rng));
        return true;
      case FD::CPPTYPE_MESSAGE:  // a repeated message: drop one element
        if (i >= 0) {
          const int n = r->FieldSize(*s.msg, f);
          r->SwapElements(s.msg, f, i, n - 1);
          r->RemoveLast(s.msg, f);
          return true;
        }
        return false;
      default:
        return false;
    }
  }

 private:
  struct Slot {
    google::protobuf::Message* msg;
    const google::protobuf::FieldDescriptor* field;
    int index;  // -1: singular
  };

  void collect(google::protobuf::Message& m) {
    using FD = google::protobuf::FieldDescriptor;
    const auto* d = m.GetDescriptor();
    const auto* r = m.GetReflection();
    for (int k = 0; k < d->field_count(); ++k) {
      const FD* f = d->field(k);
      if (f->is_repeated()) {
        const int n = r->FieldSize(m, f);
        m_slots.push_back({&m, f, -1});  // grow/shrink (and nothing else) for index -1
        for (int i = 0; i < n; ++i) {
          if (f->cpp_type() == FD::CPPTYPE_MESSAGE) {
            collect(*r->MutableRepeatedMessage(&m, f, i));
            m_slots.push_back({&m, f, i});
          } else {
            if (f->cpp_type() == FD::CPPTYPE_STRING) m_strings.push_back(r->GetRepeatedString(m, f, i));
            m_slots.push_back({&m, f, i});
          }
        }
      } else if (f->cpp_type() == FD::CPPTYPE_MESSAGE) {
        if (r->HasField(m, f)) collect(*r->MutableMessage(&m, f));
      } else {
        if (f->cpp_type() == FD::CPPTYPE_STRING && r->HasField(m, f))
          m_strings.push_back(r->GetString(m, f));
        m_slots.push_back({&m, f, -1});
      }
    }
  }

  template <class T>
  static T number(std::minstd_rand& rng) {
    using L = std::numeric_limits<T>;
    static const std::int64_t kSpecial[] = {0, 1, -1, 2, 3, 4, 7, 255, 65536, 1LL << 31,
                                            (1LL << 31) - 1, 1LL << 32, 1LL << 40, 1LL << 62,
                                            std::numeric_limits<std::int64_t>::max(),
                                            std::numeric_limits<std::int64_t>::min()};
    const unsigned pick = rng() % 24;
    if (pick < sizeof kSpecial / sizeof kSpecial[0]) {
      const std::int64_t v = kSpecial[pick];
      if (v > static_cast<std::int64_t>(L::max())) return L::max();
      if (L::is_signed && v < static_cast<std::int64_t>(L::min())) return L::min();
      return static_cast<T>(v);
    }
    return static_cast<T>(rng() % 64);
  }

  static float real(std::minstd_rand& rng) {
    static const float kSpecial[] = {0.0f, -0.0f, 1.0f, -1.0f, 1e-30f, 1e30f,
                                     std::numeric_limits<float>::infinity(),
                                     std::numeric_limits<float>::quiet_NaN(),
                                     std::numeric_limits<float>::denorm_min()};
    return kSpecial[rng() % (sizeof kSpecial / sizeof kSpecial[0])];
  }

  std::string name(std::minstd_rand& rng) const {
    if (!m_strings.empty() && rng() % 4 != 0) return m_strings[rng() % m_strings.size()];
    static const char* const kOther[] = {"", "SAME_UPPER", "SAME_LOWER", "VALID", "x", "\xff\xfe",
                                         "ai.onnx", "Conv", "Gemm", "BatchNormalization"};
    return kOther[rng() % (sizeof kOther / sizeof kOther[0])];
  }

  std::vector<Slot> m_slots;
  std::vector<std::string> m_strings;
};

// LLVMFuzzerCustomMutator body for a protobuf message type M.
template <class M>
std::size_t mutate_proto(std::uint8_t* data, std::size_t size, std::size_t max_size,
                         unsigned int seed) {
  std::minstd_rand rng(seed);
  M msg;
  if (rng() % 4 != 0 && msg.ParseFromArray(data, static_cast<int>(size))) {
    ProtoMutator mut;
    const unsigned rounds = 1 + rng() % 3;
    bool changed = false;
    for (unsigned k = 0; k < rounds; ++k) changed |= mut.mutate(msg, rng);
    std::string out;
    if (changed && msg.SerializeToString(&out) && out.size() <= max_size) {
      std::memcpy(data, out.data(), out.size());
      return out.size();
    }
  }
  return LLVMFuzzerMutate(data, size, max_size);
}

}  // namespace lpsim::fuzz
