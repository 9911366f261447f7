// C entry points of the emulation library (libseqcore_emu.so), used by SeqCore.Cuda's EmulatedDevice:
// kernels are looked up by their extern "C" name and launched with a cuLaunchKernel-style argument array.
#include "cuda_emu.h"

#include <exception>
#include <string>

namespace
{
thread_local std::string last_error;
}

extern "C" int emu_has_kernel(const char* name) { return emu::registry().count(name) ? 1 : 0; }

extern "C" int emu_kernel_count() { return (int)emu::registry().size(); }

extern "C" const char* emu_kernel_name(int i)
{
    auto it = emu::registry().begin();
    std::advance(it, i);
    return it->first.c_str();
}

extern "C" const char* emu_last_error() { return last_error.c_str(); }

extern "C" int emu_launch(const char* name, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
    unsigned smem, void** args)
{
    auto it = emu::registry().find(name);
    if (it == emu::registry().end())
    {
        last_error = std::string("kernel '") + name + "' is not registered";
        return 1;
    }
    if ((unsigned long long)bx * by * bz > 1024 || bx * by * bz == 0)
    {
        last_error = std::string("kernel '") + name + "': block of " + std::to_string(bx) + "x" + std::to_string(by) + "x" +
                     std::to_string(bz) + " threads (CUDA allows 1 to 1024)";
        return 2;
    }
    if (gx == 0 || gy == 0 || gz == 0)
    {
        last_error = std::string("kernel '") + name + "': empty grid";
        return 3;
    }
    try
    {
        it->second(dim3(gx, gy, gz), dim3(bx, by, bz), smem, args);
    }
    catch (const std::exception& e)
    {
        last_error = std::string("kernel '") + name + "': " + e.what();
        return 4;
    }
    return 0;
}
