# Cross-build riskgw for an ARM Linux board with Debian's cross compilers and
# multiarch -dev packages. One file for every target; pick it with RISKGW_ARCH:
#   cmake -DCMAKE_TOOLCHAIN_FILE=toolchain.cmake -DRISKGW_ARCH=aarch64 ...   (default)
#   cmake -DCMAKE_TOOLCHAIN_FILE=toolchain.cmake -DRISKGW_ARCH=armhf ...
# Tests run under qemu-user through CMAKE_CROSSCOMPILING_EMULATOR.
#
# The target's libraries come from one of two places. A Debian root of the target
# made by firmware/sysroot.sh (build-sysroot/bookworm-<arch>, or -DRISKGW_SYSROOT=DIR)
# is used when it exists: make deps CROSS=1 makes one for armhf. Otherwise the
# host's multiarch -dev:<arch> packages are (make deps CROSS=1 installs them for arm64).
if(NOT RISKGW_ARCH)
  set(RISKGW_ARCH aarch64)
endif()
set(RISKGW_ARCH ${RISKGW_ARCH} CACHE STRING "Target: aarch64 or armhf")
# try_compile projects re-read this file: hand them the choice made here.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES RISKGW_ARCH RISKGW_SYSROOT)

if(RISKGW_ARCH STREQUAL "aarch64")
  set(CMAKE_SYSTEM_PROCESSOR aarch64)
  set(triple aarch64-linux-gnu)
  set(qemu qemu-aarch64)
  set(loader ld-linux-aarch64.so.1)
  set(debian_arch arm64)
elseif(RISKGW_ARCH STREQUAL "armhf")
  set(CMAKE_SYSTEM_PROCESSOR arm)
  set(triple arm-linux-gnueabihf)
  set(qemu qemu-arm)
  set(loader ld-linux-armhf.so.3)
  set(debian_arch armhf)
else()
  message(FATAL_ERROR "RISKGW_ARCH must be aarch64 or armhf, not '${RISKGW_ARCH}'")
endif()

if(NOT DEFINED RISKGW_SYSROOT)
  set(default_sysroot ${CMAKE_CURRENT_LIST_DIR}/build-sysroot/bookworm-${debian_arch})
  if(EXISTS ${default_sysroot}/.riskgw-sysroot)
    set(RISKGW_SYSROOT ${default_sysroot})
  else()
    set(RISKGW_SYSROOT "")
  endif()
endif()
set(RISKGW_SYSROOT "${RISKGW_SYSROOT}" CACHE PATH "Debian root of the target (firmware/sysroot.sh); empty: multiarch")

# Say what to run rather than let a later check fail on a missing compiler or library.
find_program(cross_gcc ${triple}-gcc)
if(NOT cross_gcc)
  message(FATAL_ERROR "No ${triple}-gcc: run `make deps CROSS=1` (as root) for the ${debian_arch} cross compiler")
endif()
if(RISKGW_SYSROOT AND NOT EXISTS ${RISKGW_SYSROOT}/.riskgw-sysroot)
  message(FATAL_ERROR "${RISKGW_SYSROOT} is not a sysroot made by firmware/sysroot.sh: run `make deps CROSS=1` (as root)")
elseif(NOT RISKGW_SYSROOT AND NOT EXISTS /usr/lib/${triple}/pkgconfig/libmodbus.pc)
  message(FATAL_ERROR "No ${debian_arch} libraries: run `make deps CROSS=1` (as root); it installs the "
          "-dev:arm64 packages, or makes the armhf sysroot in ${CMAKE_CURRENT_LIST_DIR}/build-sysroot")
endif()

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${triple}-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE ${triple})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{PKG_CONFIG_PATH} "")

if(RISKGW_SYSROOT)
  # Everything of the target, the C library included, comes from the root, and
  # qemu runs the tests with its loader and libraries.
  set(CMAKE_SYSROOT ${RISKGW_SYSROOT})
  set(CMAKE_FIND_ROOT_PATH ${RISKGW_SYSROOT})
  set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
  set(ENV{PKG_CONFIG_SYSROOT_DIR} ${RISKGW_SYSROOT})
  set(ENV{PKG_CONFIG_LIBDIR} ${RISKGW_SYSROOT}/usr/lib/${triple}/pkgconfig:${RISKGW_SYSROOT}/usr/share/pkgconfig)
  set(qemu_root ${RISKGW_SYSROOT})
else()
  set(CMAKE_FIND_ROOT_PATH /usr/${triple} /usr/lib/${triple})
  set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)   # headers of -dev:arch packages live in /usr/include
  # pkg-config must see the target's .pc files only.
  set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${triple}/pkgconfig:/usr/share/pkgconfig)
  # qemu-user must run a dynamic loader and a libc from the same glibc build. The loader
  # looks for libc in /lib/${triple} first, and qemu -L falls back to the host's paths, so
  # with -L /usr/${triple} the cross package's loader would pick up the multiarch libc6
  # (arm64 or armhf) that the -dev packages pull in: two builds of glibc, and every
  # pthread_create or fork then spins for ever. Run from the multiarch root when it has a
  # loader (the usual case); otherwise the cross compiler's own copy is the only libc.
  if(EXISTS /lib/${loader})
    set(qemu_root /)
  else()
    set(qemu_root /usr/${triple})
  endif()
endif()
# QEMU_LD_PREFIX rather than -L: tests that start a child program (the simulator)
# run it through binfmt_misc's qemu, which inherits the variable and so finds the
# same loader and libraries.
find_program(qemu_path ${qemu})
if(qemu_path)
  set(CMAKE_CROSSCOMPILING_EMULATOR /usr/bin/env QEMU_LD_PREFIX=${qemu_root} ${qemu_path})
endif()
