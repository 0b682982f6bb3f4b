# Fails when a file of the repository (outside tests/data) names the developers' reference
# folder beside the clone, i.e. the text "../" or "/" followed by that folder's name and "/".
# A clone must build, run and pass its tests with nothing beside it (README, tests/data/README.md).
#
# Inputs: SOURCE_DIR (the repository), BINARY_DIR (this build), GIT_EXECUTABLE (may be empty).
# The folder name is assembled here so that this script does not match itself.
set(name "sha")
string(APPEND name "red")
set(pattern "(\\.\\./${name}|/${name}/|/work/${name})")

set(hits "")
set(used_git FALSE)
if(GIT_EXECUTABLE AND EXISTS "${SOURCE_DIR}/.git")
  # Tracked files, as they are in the work tree; -I skips binary files.
  execute_process(
    COMMAND "${GIT_EXECUTABLE}" -C "${SOURCE_DIR}" -c core.quotepath=off
            grep -n -I -E "${pattern}" -- . ":(exclude)tests/data"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0)
    set(hits "${out}")
    set(used_git TRUE)
  elseif(rc EQUAL 1)
    set(used_git TRUE)  # no match
  else()
    message(WARNING "git grep failed (${rc}: ${err}); reading the files instead")
  endif()
endif()

if(NOT used_git)
  file(GLOB_RECURSE files LIST_DIRECTORIES false RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/*")
  foreach(f IN LISTS files)
    if(f MATCHES "^(\\.git|build[^/]*|runs|out|tests/data)/")
      continue()
    endif()
    if(IS_DIRECTORY "${BINARY_DIR}" AND "${SOURCE_DIR}/${f}" MATCHES "^${BINARY_DIR}/")
      continue()
    endif()
    file(STRINGS "${SOURCE_DIR}/${f}" lines REGEX "${pattern}")
    foreach(l IN LISTS lines)
      string(APPEND hits "${f}: ${l}\n")
    endforeach()
  endforeach()
endif()

if(hits)
  message(FATAL_ERROR
    "These files refer to a folder outside the repository; point them at docs/ or tests/data/ "
    "instead (a clone has nothing beside it):\n${hits}")
endif()
message(STATUS "no file outside tests/data refers to a folder beside the repository")
