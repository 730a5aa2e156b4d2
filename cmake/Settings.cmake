# Compile settings shared by every dsgdlab target, carried by an INTERFACE target rather than
# global flags. No -ffast-math and no -march=native: the deterministic engine must give the
# same bits on every x86-64 machine.
add_library(dsgdlab_settings INTERFACE)
add_library(dsgdlab::settings ALIAS dsgdlab_settings)
target_compile_features(dsgdlab_settings INTERFACE cxx_std_20)
set(CMAKE_CXX_EXTENSIONS OFF)
target_compile_options(dsgdlab_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wnon-virtual-dtor -Wold-style-cast
  -Woverloaded-virtual -Wdouble-promotion
  $<$<BOOL:${DSGDLAB_WERROR}>:-Werror>)
# x87 is never used on x86-64; keep contraction off so FMA-capable builds give the same bits.
target_compile_options(dsgdlab_settings INTERFACE -ffp-contract=off)
if(DSGDLAB_SANITIZE)
  target_compile_options(dsgdlab_settings INTERFACE -fsanitize=${DSGDLAB_SANITIZE} -fno-omit-frame-pointer -g)
  target_link_options(dsgdlab_settings INTERFACE -fsanitize=${DSGDLAB_SANITIZE})
endif()

# dsgdlab_add_library(NAME DEPS ...): one library per source folder, headers in
# NAME/include/dsgdlab/NAME, sources in NAME/src.
function(dsgdlab_add_library name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
  if(sources)
    add_library(dsgdlab_${name} STATIC ${sources})
    target_include_directories(dsgdlab_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(dsgdlab_${name} PUBLIC ${ARG_DEPS} PRIVATE dsgdlab::settings)
  else()  # a folder with headers only
    add_library(dsgdlab_${name} INTERFACE)
    target_include_directories(dsgdlab_${name} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(dsgdlab_${name} INTERFACE ${ARG_DEPS})
  endif()
  add_library(dsgdlab::${name} ALIAS dsgdlab_${name})
endfunction()
