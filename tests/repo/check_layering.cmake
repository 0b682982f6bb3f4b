# The layering rules of docs/architecture.md ("Layers"), checked on every #include "..." line of
# the source folders; fails naming each file, line and rule that is broken.
#   python/   the Python module: may use sim/ and below; nothing includes it
#   sim/      may use sw/, hw/, traces/ (the top of the C++ program)
#   traces/   includes nothing of sim/, sw/ or hw/ (writers of files)
#   sw/       includes nothing of sim/ or traces/
#   sw/ref    includes nothing of hw/ (the bit-exact check stays independent of the hardware)
#   sw/driver includes of hw/ only the register map and the layer descriptor
#   hw/       includes nothing of sim/ or traces/, and of sw/ only sw/common and sw/formats
#
# Input: SOURCE_DIR (a tree with hw/ sw/ sim/ traces/).
set(rules
  # folder @ forbidden include prefix (regex) @ allowed exceptions (regex, or "-")
  "traces/@(sim|sw|hw|python)/@-"
  "sim/@python/@-"
  "sw/@(sim|traces|python)/@-"
  "sw/ref/@hw/@-"
  "sw/driver/@hw/@hw/ctrl/(ctrl_regs|layer_descriptor)[.]hpp"
  "hw/@(sim|traces|python)/@-"
  "hw/@sw/@sw/(common|formats)/.*")

file(GLOB_RECURSE files RELATIVE "${SOURCE_DIR}"
  "${SOURCE_DIR}/hw/*.hpp" "${SOURCE_DIR}/hw/*.cpp" "${SOURCE_DIR}/sw/*.hpp" "${SOURCE_DIR}/sw/*.cpp"
  "${SOURCE_DIR}/sim/*.hpp" "${SOURCE_DIR}/sim/*.cpp" "${SOURCE_DIR}/traces/*.hpp" "${SOURCE_DIR}/traces/*.cpp")
set(broken "")
set(checked 0)
foreach(f IN LISTS files)
  file(STRINGS "${SOURCE_DIR}/${f}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]*)\".*" "\\1" inc "${line}")
    math(EXPR checked "${checked} + 1")
    foreach(rule IN LISTS rules)
      string(REPLACE "@" ";" parts "${rule}")
      list(GET parts 0 folder)
      list(GET parts 1 forbidden)
      list(GET parts 2 allowed)
      string(FIND "${f}" "${folder}" at)
      if(NOT at EQUAL 0)
        continue()
      endif()
      if(inc MATCHES "^${forbidden}")
        if(allowed STREQUAL "-" OR NOT inc MATCHES "^${allowed}$")
          string(APPEND broken "  ${f}: #include \"${inc}\" (files under ${folder} may not include ${forbidden}")
          if(NOT allowed STREQUAL "-")
            string(APPEND broken " other than ${allowed}")
          endif()
          string(APPEND broken ")\n")
        endif()
      endif()
    endforeach()
  endforeach()
endforeach()
if(checked EQUAL 0)
  message(FATAL_ERROR "layering: no #include lines found under ${SOURCE_DIR}")
endif()
if(broken)
  message(FATAL_ERROR "layering rules broken (docs/architecture.md, \"Layers\"):\n${broken}")
endif()
message(STATUS "layering: ${checked} includes follow the rules")
