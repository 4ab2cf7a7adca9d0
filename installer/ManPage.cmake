# Writes the evolq(1) man page from the program's own help, so that it lists every command and
# option the binary has. Run as: cmake -DEVOLQ=<binary> -DOUT=<file> -DVERSION=<v>
#   -DSOURCE_DATA=<source data folder> -P ManPage.cmake
# A build-tree binary names the source tree's data folder as its default; an installed one the
# user's data directory, which is what the page says.
foreach(var EVOLQ OUT VERSION SOURCE_DATA)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "ManPage.cmake: ${var} is not set")
  endif()
endforeach()

function(run_help out)
  execute_process(COMMAND ${EVOLQ} ${ARGN} --help
    OUTPUT_VARIABLE text RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${EVOLQ} ${ARGN} --help failed (${rc}): ${err}")
  endif()
  string(REPLACE "${SOURCE_DATA}" "~/.local/share/evolq-workbench/fashion-mnist" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# troff: backslashes, hyphens (ASCII minus in options) and lines that start with a control character.
function(troff out text)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

run_help(top)
# The command list: the indented lines between "Commands:" and the next blank line.
string(REGEX MATCH "Commands:\n(([ ]+[^\n]+\n)+)" block "${top}")
string(REGEX MATCHALL "\n  [a-z][a-z0-9-]*" names "\n${CMAKE_MATCH_1}")
set(commands "")
foreach(n IN LISTS names)
  string(STRIP "${n}" n)
  list(APPEND commands "${n}")
endforeach()
list(LENGTH commands count)
if(count LESS 1)
  message(FATAL_ERROR "ManPage.cmake: no commands in the output of ${EVOLQ} --help")
endif()

troff(top_t "${top}")
set(page ".TH EVOLQ 1 \"\" \"evolq ${VERSION}\" \"User Commands\"
.SH NAME
evolq \\- post\\-training quantization of Vision Transformers with Evol\\-Q
.SH SYNOPSIS
.B evolq
.I command
[\\fIoptions\\fR]
.br
.B evolq
\\-\\-version | \\-\\-help
.SH DESCRIPTION
The command line of Evol\\-Q Workbench: loads a Vision Transformer in the timm layout
(config.json and model.safetensors), quantizes it with the FQ\\-ViT baseline, runs the Evol\\-Q
search over its quantization scales and writes scale files. Without \\fB\\-\\-model\\fR, commands use
the bundled model in /usr/share/evolq\\-workbench/models; without \\fB\\-\\-calib\\fR, the calibration
images that \\fBevolq prepare\\-fashion\\-mnist\\fR writes to ~/.local/share/evolq\\-workbench.
Errors name the file and what is wrong with it; a failed command exits non\\-zero and leaves no
partial output file.
.PP
.nf
${top_t}.fi
.SH COMMANDS
")
foreach(c IN LISTS commands)
  run_help(h ${c})
  troff(h_t "${h}")
  troff(c_t "${c}")
  string(APPEND page ".SS evolq ${c_t}\n.nf\n${h_t}.fi\n")
endforeach()
string(APPEND page ".SH ENVIRONMENT
.TP
.B EVOLQ_THREADS
number of compute threads (default: one per core)
.SH FILES
.TP
.I /usr/share/evolq\\-workbench/models/vit\\-tiny\\-fmnist
the bundled ViT trained on Fashion\\-MNIST
.TP
.I ~/.local/share/evolq\\-workbench/fashion\\-mnist
the default calibration (calib/) and validation (val/) folders
.SH EXIT STATUS
0 on success; 1 on an error (the message names the file and the problem); 2 when the command is
missing or unknown.
")
file(WRITE "${OUT}" "${page}")
