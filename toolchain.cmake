# Cross-build riskgw for an ARM Linux board with Debian's cross compilers and
# multiarch -dev packages. One file for every target; pick it with RISKGW_ARCH:
#   cmake -DCMAKE_TOOLCHAIN_FILE=toolchain.cmake -DRISKGW_ARCH=aarch64 ...   (default)
#   cmake -DCMAKE_TOOLCHAIN_FILE=toolchain.cmake -DRISKGW_ARCH=armhf ...
# Tests run under qemu-user through CMAKE_CROSSCOMPILING_EMULATOR.
if(NOT RISKGW_ARCH)
  set(RISKGW_ARCH aarch64)
endif()
set(RISKGW_ARCH ${RISKGW_ARCH} CACHE STRING "Target: aarch64 or armhf")

if(RISKGW_ARCH STREQUAL "aarch64")
  set(CMAKE_SYSTEM_PROCESSOR aarch64)
  set(triple aarch64-linux-gnu)
  set(qemu qemu-aarch64)
  set(loader ld-linux-aarch64.so.1)
elseif(RISKGW_ARCH STREQUAL "armhf")
  set(CMAKE_SYSTEM_PROCESSOR arm)
  set(triple arm-linux-gnueabihf)
  set(qemu qemu-arm)
  set(loader ld-linux-armhf.so.3)
else()
  message(FATAL_ERROR "RISKGW_ARCH must be aarch64 or armhf, not '${RISKGW_ARCH}'")
endif()

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${triple}-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE ${triple})
set(CMAKE_FIND_ROOT_PATH /usr/${triple} /usr/lib/${triple})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)   # headers of -dev:arch packages live in /usr/include
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config must see the target's .pc files only.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${triple}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

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
find_program(qemu_path ${qemu})
if(qemu_path)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${qemu_path} -L ${qemu_root})
endif()
