using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SeqCore.Cpu;

/// <summary>
/// Loads and stores of the first <c>count</c> lanes of a vector (the rest zero), so a fused kernel writes its
/// formula once, in vector form, and runs it on the tail of a row too.
/// </summary>
internal static unsafe class Lanes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load<T>(T* p, int count) where T : unmanaged
    {
        if (count >= Vector256<T>.Count) return Vector256.Load(p);
        var tmp = default(Vector256<T>);
        T* t = (T*)&tmp;
        for (int i = 0; i < count; i++) t[i] = p[i];
        return tmp;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(Vector256<T> v, T* p, int count) where T : unmanaged
    {
        if (count >= Vector256<T>.Count) { Vector256.Store(v, p); return; }
        T* t = (T*)&v;
        for (int i = 0; i < count; i++) p[i] = t[i];
    }
}
