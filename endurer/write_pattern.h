// WritePattern: the periodic RRAM write load of one virtual chip, as NVM
// word writes per virtual address over a number of inferences (for SVHN:
// one trace run = 411 inferences = one 4-hour remap period). The endurance
// simulator scales it to any inference rate and fast-forwards it; the trace
// replay produces it. Plain value type.

#ifndef ILLUSION_ENDURER_WRITE_PATTERN_H_
#define ILLUSION_ENDURER_WRITE_PATTERN_H_

#include <cstdint>
#include <vector>

namespace illusion::endurer {

struct AddressWrites {
  uint32_t address = 0;  // virtual word address
  uint64_t writes = 0;   // NVM writes to it over `inferences` inferences
};

struct WritePattern {
  uint32_t chip = 0;                  // virtual chip
  double inferences = 1;              // inferences the counts cover (> 0)
  std::vector<AddressWrites> writes;  // ascending addresses, writes > 0

  uint64_t total() const {
    uint64_t t = 0;
    for (const AddressWrites& w : writes) t += w.writes;
    return t;
  }
};

}  // namespace illusion::endurer

#endif  // ILLUSION_ENDURER_WRITE_PATTERN_H_
