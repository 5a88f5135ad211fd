#include "paretomath.h"

#include <algorithm>
#include <numeric>

namespace qs {

QVector<int> paretoFront(const QVector<TradeOff>& points)
{
    QVector<int> order(points.size());
    std::iota(order.begin(), order.end(), 0);
    // By size, and for equal sizes the best metric first (then the earlier point).
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        if (points[a].size != points[b].size)
            return points[a].size < points[b].size;
        return points[a].metric > points[b].metric;
    });
    QVector<int> front;
    for (int i : order)
        if (front.isEmpty() || points[i].metric > points[front.last()].metric)
            front << i; // strictly better than every smaller point
    return front;
}

} // namespace qs
