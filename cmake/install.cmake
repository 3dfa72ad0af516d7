# install.cmake — `cmake --install build --prefix P` lays facestitch out as Debian users expect:
#   P/bin/facestitch                                  the CLI
#   P/lib/libfacestitch.a, libfacestitch.so[.0]       the library, static and shared
#   P/include/facestitch.h                            the public API
#   P/lib/pkgconfig/facestitch.pc                     `pkg-config --cflags --libs facestitch`
#   P/share/man/man1/facestitch.1                     made from --help by Debian's help2man (when installed)
#   P/share/bash-completion/completions/facestitch    commands and each command's options
# tests/install/test_install.sh installs into a temporary prefix and builds a program against it.
include(GNUInstallDirs)

# the shared library is built from the same objects: they are compiled position-independent
get_property(_fs_targets DIRECTORY ${CMAKE_SOURCE_DIR} PROPERTY BUILDSYSTEM_TARGETS)
foreach(t ${_fs_targets})
  if(t MATCHES "^fs_.*_obj$")
    set_target_properties(${t} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  endif()
endforeach()
add_library(facestitch_shared SHARED ${FS_ALL_OBJECTS})
set_target_properties(facestitch_shared PROPERTIES OUTPUT_NAME facestitch VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR} C_VISIBILITY_PRESET default)
# the same dependencies as the static library (Debian packages, MPI and CUDA when built with them)
target_link_libraries(facestitch_shared PRIVATE $<TARGET_PROPERTY:facestitch_lib,INTERFACE_LINK_LIBRARIES>)

# pkg-config: the shared library by default; `pkg-config --static` adds what the static one needs
set(FS_PC_REQUIRES_PRIVATE "libavformat libavcodec libavutil libswscale libswresample libcjson libcurl libpng libjpeg zlib openblas")
set(FS_PC_LIBS_PRIVATE "-lm -lpthread")
if(FS_HAVE_MPI)
  string(APPEND FS_PC_REQUIRES_PRIVATE " ompi-c")
endif()
if(FS_HAVE_CUDA)
  string(APPEND FS_PC_LIBS_PRIVATE " -L${CUDAToolkit_LIBRARY_DIR} -lcublas -lcudart -lstdc++")
endif()
# relocatable: the prefix is found from where the .pc file lies (`cmake --install --prefix` picks it late)
file(RELATIVE_PATH FS_PC_UP "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" FS_PC_UP "${FS_PC_UP}")
configure_file(${CMAKE_SOURCE_DIR}/cmake/facestitch.pc.in ${CMAKE_BINARY_DIR}/facestitch.pc @ONLY)

install(TARGETS facestitch RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS facestitch_lib facestitch_shared
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${CMAKE_SOURCE_DIR}/include/facestitch.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${CMAKE_BINARY_DIR}/facestitch.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
install(FILES ${CMAKE_SOURCE_DIR}/cmake/facestitch.bash-completion DESTINATION
  ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME facestitch)

find_program(FS_HELP2MAN help2man)
if(FS_HELP2MAN)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/facestitch.1
    COMMAND ${FS_HELP2MAN} --no-info --no-discard-stderr --section 1
            --name "edit the faces of a video with StyleGAN2 (Stitch it in Time)"
            --output ${CMAKE_BINARY_DIR}/facestitch.1 $<TARGET_FILE:facestitch>
    DEPENDS facestitch VERBATIM)
  add_custom_target(facestitch_man ALL DEPENDS ${CMAKE_BINARY_DIR}/facestitch.1)
  install(FILES ${CMAKE_BINARY_DIR}/facestitch.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man not found: no man page (Debian package help2man)")
endif()
