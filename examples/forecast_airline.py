"""Time series forecasting with an LSTM and predictAndUpdateState.

MATLAB's "Time Series Forecasting Using Deep Learning" example, ported line by
line to the airline passengers series (MATLAB uses its chickenpox data):
https://www.mathworks.com/help/deeplearning/ug/time-series-forecasting-using-deep-learning.html

    python examples/forecast_airline.py [--epochs N]
"""
import sys

import numpy as np

import dlarr as dl

epochs = int(sys.argv[sys.argv.index("--epochs") + 1]) if "--epochs" in sys.argv else 250

# data = chickenpox_dataset; data = [data{:}];
_, data = dl.airlinePassengersData()
data = data[None, :]                                   # 1 x 144, one channel

# numTimeStepsTrain = floor(0.9*numel(data));
numTimeStepsTrain = int(np.floor(0.9 * data.size))
dataTrain = data[:, :numTimeStepsTrain + 1]
dataTest = data[:, numTimeStepsTrain + 1:]

# mu = mean(dataTrain); sig = std(dataTrain); dataTrainStandardized = (dataTrain - mu) / sig;
mu = dataTrain.mean()
sig = dataTrain.std(ddof=1)                            # MATLAB's std normalizes by N-1
dataTrainStandardized = (dataTrain - mu) / sig

# XTrain = dataTrainStandardized(1:end-1); YTrain = dataTrainStandardized(2:end);
XTrain = dataTrainStandardized[:, :-1]
YTrain = dataTrainStandardized[:, 1:]

numFeatures = 1
numResponses = 1
numHiddenUnits = 200
layers = [
    dl.sequenceInputLayer(numFeatures),
    dl.lstmLayer(numHiddenUnits),
    dl.fullyConnectedLayer(numResponses),
    dl.regressionLayer(),
]

options = dl.trainingOptions(
    "adam",
    MaxEpochs=epochs,
    GradientThreshold=1,
    InitialLearnRate=0.005,
    LearnRateSchedule="piecewise",
    LearnRateDropPeriod=125,
    LearnRateDropFactor=0.2,
    Verbose=False,
)

# net = trainNetwork(XTrain,YTrain,layers,options);  (one sequence: one C x T array)
net = dl.trainNetwork(XTrain, YTrain, layers, options)

# Forecast future time steps: prime the state with the training data, then
# feed each prediction back in as the next input (closed loop).
dataTestStandardized = (dataTest - mu) / sig
XTest = dataTestStandardized[:, :-1]

net, _ = dl.predictAndUpdateState(net, XTrain)
net, y = dl.predictAndUpdateState(net, YTrain[:, -1])
numTimeStepsTest = XTest.shape[1] + 1
YPred = np.zeros((1, numTimeStepsTest))
YPred[:, 0] = y[:, 0]
for i in range(1, numTimeStepsTest):
    net, y = dl.predictAndUpdateState(net, YPred[:, i - 1])
    YPred[:, i] = y[:, 0]

YPred = sig * YPred + mu
rmse = np.sqrt(np.mean((YPred - dataTest) ** 2))
print(f"closed-loop RMSE over {numTimeStepsTest} months: {rmse:.2f} thousand passengers")

# Update the network state with the observed values instead (open loop).
net = dl.resetState(net)
net, _ = dl.predictAndUpdateState(net, XTrain)
YPredOpen = np.zeros((1, numTimeStepsTest))
obs = np.concatenate([YTrain[:, -1:], XTest[:, :]], axis=1)
for i in range(numTimeStepsTest):
    net, y = dl.predictAndUpdateState(net, obs[:, i])
    YPredOpen[:, i] = y[:, 0]
YPredOpen = sig * YPredOpen + mu
rmse_open = np.sqrt(np.mean((YPredOpen - dataTest) ** 2))
naive = np.sqrt(np.mean((data[:, numTimeStepsTrain:-1] - dataTest) ** 2))
print(f"open-loop RMSE: {rmse_open:.2f} (repeat-last-month baseline: {naive:.2f})")
