#ifndef ILLUSION_CLIENTS_ENDURANCE_STUDY_STORE_COMMAND_H_
#define ILLUSION_CLIENTS_ENDURANCE_STUDY_STORE_COMMAND_H_

// `illusionctl endurance list` and `illusionctl endurance show`: read back
// the endurance studies that `endurance study` recorded in the trace store
// (store/trace_store.h, tables endurance_studies and endurance_points).
//
//   illusionctl endurance list [--db=FILE] [--limit=N] [--json]
//   illusionctl endurance show --study=ID [--db=FILE] [--json | --csv]
//       [--figures=DIR]
//
// `show` of a complete study prints exactly what the study printed (text,
// --json or the --csv file's content), rebuilt from the stored flags, points
// and summary; --json adds status, started_at, finished_at and error. A
// study that is still running, failed or was interrupted shows its status
// and the points it recorded (as CSV).
//
// Exit codes: 0 ok; 2 usage error; 1 store error or unknown study (named).
// Stateless functions; thread-safe.

#include <ostream>
#include <string>
#include <vector>

namespace illusion::clients {

inline constexpr char kStudyStoreUsage[] =
    "usage: illusionctl endurance list [--db=FILE] [--limit=N] [--json]\n"
    "       illusionctl endurance show --study=ID [--db=FILE] [--json | --csv] [--figures=DIR]\n"
    "  the endurance studies recorded by `illusionctl endurance study`\n"
    "flags:\n"
    "  --db=FILE     trace store (default $ILLUSION_DB, else $XDG_DATA_HOME/illusion/traces.db,\n"
    "                else ~/.local/share/illusion/traces.db)\n"
    "  --limit=N     list: the newest N studies, [1, 100000] (default 20)\n"
    "  --study=ID    show: the study id (as printed by `endurance study` and `list`)\n"
    "  --json        one JSON document instead of text\n"
    "  --csv         show: the points as CSV (the format of `endurance study --csv`)\n"
    "  --figures=DIR show: write accuracy_vs_time.svg and stuck_bits_vs_time.svg there\n";

// `illusionctl endurance list ARGS` (args after "list").
int RunEnduranceList(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// `illusionctl endurance show ARGS` (args after "show").
int RunEnduranceShow(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace illusion::clients

#endif  // ILLUSION_CLIENTS_ENDURANCE_STUDY_STORE_COMMAND_H_
