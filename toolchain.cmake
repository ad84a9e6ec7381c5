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
elseif(RISKGW_ARCH STREQUAL "armhf")
  set(CMAKE_SYSTEM_PROCESSOR arm)
  set(triple arm-linux-gnueabihf)
  set(qemu qemu-arm)
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

find_program(qemu_path ${qemu})
if(qemu_path)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${qemu_path} -L /usr/${triple})
endif()
